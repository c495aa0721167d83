import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { GatewayError, StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import sinon from 'sinon';
import { LedgerClient } from './ledger-client';
import { LedgerRejection, LedgerUnavailable, OutcomeUnknown, TransactionInvalid } from './errors';

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

describe('LedgerClient submit: never told failed while it may have taken effect (stubbed contract)', () => {
  const encoder = new TextEncoder();
  const valid = { successful: true, code: StatusCode.VALID, blockNumber: 42n };
  const policyFailure = { successful: false, code: StatusCode.ENDORSEMENT_POLICY_FAILURE, blockNumber: 43n };

  /** One step per attempt: how its submit and its status calls go. */
  interface Step {
    readonly endorse?: Error;
    readonly submit?: Error;
    readonly statuses?: readonly (Error | typeof valid | typeof policyFailure)[];
  }

  function contractOf(steps: readonly Step[]): { contract: Contract; proposals: () => number } {
    let n = 0;
    const newProposal = () => {
      const i = n++;
      const step = steps[i] ?? {};
      const transactionId = `tx${String(i + 1)}`;
      let status = 0;
      const commit = {
        getStatus: () => {
          const s = step.statuses?.[status++] ?? valid;
          return s instanceof Error ? Promise.reject(s) : Promise.resolve({ ...s, transactionId });
        },
      };
      const endorsed = {
        getTransactionId: () => transactionId,
        getResult: () => encoder.encode(JSON.stringify({ attempt: i + 1 })),
        submit: () => (step.submit ? Promise.reject(step.submit) : Promise.resolve(commit)),
      };
      return { endorse: () => (step.endorse ? Promise.reject(step.endorse) : Promise.resolve(endorsed)) };
    };
    return { contract: { newProposal } as unknown as Contract, proposals: () => n };
  }

  const peerGone = () => gatewayError(grpc.status.UNAVAILABLE, 'connection refused');
  const deadline = () => gatewayError(grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded');

  it('refuses a write while ordering has no quorum, proposing nothing; proposes again once it has', async () => {
    const { contract, proposals } = contractOf([{}]);
    let refusal: string | undefined = 'the ordering service has had no quorum for 6 s';
    const client = new LedgerClient(contract, { retries: noBackoff, ordering: { refusal: () => refusal } });
    await assert.rejects(client.submit('AllowAccess', ['s']), (err: Error) => err instanceof LedgerUnavailable && /no quorum for 6 s/.test(err.message));
    assert.equal(proposals(), 0, 'nothing endorsed or sent');
    refusal = undefined;
    assert.equal((await client.submit('AllowAccess', ['s'])).transactionId, 'tx1');
  });

  it('asks again for a commit status the peer did not give, without proposing again', async () => {
    const { contract, proposals } = contractOf([{ statuses: [peerGone(), valid] }]);
    const submitted = await new LedgerClient(contract, { retries: noBackoff }).submit('AllowAccess', ['s']);
    assert.deepEqual([submitted.transactionId, submitted.result, proposals()], ['tx1', { attempt: 1 }, 1]);
  });

  it('answers OutcomeUnknown, naming the transaction, when the status of a sent transaction cannot be learned', async () => {
    const { contract, proposals } = contractOf([{ statuses: [peerGone(), peerGone(), peerGone()] }]);
    await assert.rejects(
      new LedgerClient(contract, { retries: noBackoff }).submit('AllowAccess', ['s']),
      (err: Error) => err instanceof OutcomeUnknown && err.transactionId === 'tx1',
    );
    assert.equal(proposals(), 1, 'a transaction that may commit is not proposed again');
  });

  it('does not wait on a commit status past its deadline again: the outcome is unknown at once', async () => {
    const { contract, proposals } = contractOf([{ statuses: [deadline(), valid] }]);
    await assert.rejects(
      new LedgerClient(contract, { retries: noBackoff }).submit('AllowAccess', ['s']),
      (err: Error) => err instanceof OutcomeUnknown && err.transactionId === 'tx1',
    );
    assert.equal(proposals(), 1);
  });

  it('returns the earlier attempt when a retry is invalidated because that attempt took effect after all', async () => {
    const { contract } = contractOf([{ submit: deadline() }, { statuses: [policyFailure] }]);
    const lookup = sinon.stub().callsFake((id: string) => Promise.resolve(id === 'tx1' ? { valid: true, code: 'VALID', blockNumber: 41n } : undefined));
    const submitted = await new LedgerClient(contract, { retries: noBackoff, lookup }).submit('AllowAccess', ['s']);
    assert.deepEqual([submitted.transactionId, submitted.blockNumber, submitted.result], ['tx1', 41n, { attempt: 1 }]);
  });

  it('answers OutcomeUnknown, not TransactionInvalid, while an earlier attempt cannot be placed', async () => {
    const { contract } = contractOf([{ submit: deadline() }, { statuses: [policyFailure] }]);
    const lookup = sinon.stub().resolves(undefined);
    await assert.rejects(
      new LedgerClient(contract, { retries: noBackoff, lookup }).submit('AllowAccess', ['s']),
      (err: Error) => err instanceof OutcomeUnknown && err.transactionId === 'tx1',
    );
  });

  it('keeps TransactionInvalid when every earlier attempt is known not to have taken effect', async () => {
    const { contract } = contractOf([{ submit: deadline() }, { statuses: [policyFailure] }]);
    const lookup = sinon.stub().resolves({ valid: false, code: 'MVCC_READ_CONFLICT', blockNumber: 40n });
    await assert.rejects(
      new LedgerClient(contract, { retries: noBackoff, lookup }).submit('AllowAccess', ['s']),
      (err: Error) => err instanceof TransactionInvalid && err.transactionId === 'tx2' && err.validationCode === 'ENDORSEMENT_POLICY_FAILURE',
    );
  });

  it('answers LedgerUnavailable only when nothing reached ordering', async () => {
    const { contract, proposals } = contractOf([{ endorse: peerGone() }, { endorse: peerGone() }, { endorse: peerGone() }]);
    await assert.rejects(new LedgerClient(contract, { retries: noBackoff }).submit('AllowAccess', ['s']), LedgerUnavailable);
    assert.equal(proposals(), 3);
    const sent = contractOf([{ submit: deadline() }, { endorse: peerGone() }, { endorse: peerGone() }]);
    await assert.rejects(
      new LedgerClient(sent.contract, { retries: noBackoff }).submit('AllowAccess', ['s']),
      (err: Error) => err instanceof OutcomeUnknown && err.transactionId === 'tx1',
    );
  });
});
