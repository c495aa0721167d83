import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { GatewayError, type Contract } from '@hyperledger/fabric-gateway';
import sinon from 'sinon';
import { LedgerClient } from './ledger-client';
import { LedgerRejection, LedgerUnavailable } from './errors';

function gatewayError(code: grpc.status, message: string, details: string[] = []): GatewayError {
  const cause: grpc.ServiceError = Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
  return new GatewayError({ code, message, cause, details: details.map((m) => ({ address: '127.0.0.1:7020', mspId: 'Hospital1MSP', message: m })) });
}

const noBackoff = { mvccRetries: 2, unavailableRetries: 2, backoffMs: 0 };

describe('LedgerClient (stubbed contract)', () => {
  const contractWith = (evaluate: sinon.SinonStub): Contract => ({ evaluate }) as unknown as Contract;

  it('retries a peer at its concurrency limit, then answers', async () => {
    const evaluate = sinon.stub();
    evaluate.onFirstCall().rejects(gatewayError(grpc.status.UNKNOWN, 'too many requests for /gateway.Gateway, exceeding concurrency limit (500)'));
    evaluate.onSecondCall().resolves(new TextEncoder().encode('{"allowed":true}'));
    const retries: string[] = [];
    const client = new LedgerClient(contractWith(evaluate), { retries: noBackoff, observer: { onRetry: (_t, reason) => retries.push(reason) } });
    assert.deepEqual(await client.evaluate('CheckAccess', []), { allowed: true });
    assert.deepEqual(retries, ['unavailable']);
  });

  it('gives up as LedgerUnavailable after its retry budget', async () => {
    const evaluate = sinon.stub().rejects(gatewayError(grpc.status.UNAVAILABLE, 'connection refused'));
    const client = new LedgerClient(contractWith(evaluate), { retries: noBackoff });
    await assert.rejects(client.evaluate('ListSources', []), LedgerUnavailable);
    assert.equal(evaluate.callCount, 3);
  });

  it("turns the chaincode's coded refusal into a LedgerRejection at once, without retrying", async () => {
    const evaluate = sinon
      .stub()
      .rejects(
        gatewayError(grpc.status.UNKNOWN, 'evaluate call to endorser returned error', ['chaincode response 500, STUDY_NOT_FOUND: no study x at source y']),
      );
    const client = new LedgerClient(contractWith(evaluate), { retries: noBackoff });
    await assert.rejects(client.evaluate('GetStudy', []), (err: LedgerRejection) => err instanceof LedgerRejection && err.code === 'STUDY_NOT_FOUND');
    assert.equal(evaluate.callCount, 1);
  });

  it('does not retry an unknown failure (a bug is not made transient)', async () => {
    const evaluate = sinon.stub().rejects(gatewayError(grpc.status.INTERNAL, 'something else'));
    const client = new LedgerClient(contractWith(evaluate), { retries: noBackoff });
    await assert.rejects(client.evaluate('ListSources', []), (err: Error) => err instanceof GatewayError);
    assert.equal(evaluate.callCount, 1);
  });
});
