import { strict as assert } from 'node:assert';
import type { ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { rawRequest, startGatewayFixture, type GatewayFixture } from '../../testing/gateway-fixture';
import { toLedgerEvents } from '../event-stream';

const TX = 'a'.repeat(64);
const ORIGINAL = 'b'.repeat(64);

describe('POST /api/v1/statements/batch (real HTTP, fake ledger)', function () {
  this.timeout(60_000);
  let f: GatewayFixture;
  let submitted: { transaction: string; args: readonly string[] }[];
  afterEach(async () => {
    await f.close();
  });

  const start = async (): Promise<void> => {
    submitted = [];
    f = await startGatewayFixture({
      submit: (transaction, args) => {
        submitted.push({ transaction, args });
        const results = [
          { index: 0, type: 'AllowAccess', applied: true, record: { id: 'grant/s/x/r' } },
          {
            index: 1,
            type: 'AllowAccess',
            applied: false,
            code: 'STATEMENT_REPLAYED',
            message: `STATEMENT_REPLAYED: AllowAccess statement d already took effect in transaction ${ORIGINAL}`,
          },
          {
            index: 2,
            type: 'RevokeAccess',
            applied: false,
            code: 'BATCH_KEY_CONFLICT',
            message: 'BATCH_KEY_CONFLICT: RevokeAccess at index 2 touches grant/s/x/r; send it in a later batch',
          },
          { index: 3, type: 'AllowAccess', applied: false, code: 'STUDY_NOT_FOUND', message: 'STUDY_NOT_FOUND: no study y at source s' },
        ];
        return Promise.resolve({ result: { results }, transactionId: TX, blockNumber: 9n, attempts: 1 });
      },
    });
  };

  const post = (body: string, token?: string): Promise<{ status: number; body: string }> =>
    rawRequest(
      f.port,
      `POST /api/v1/statements/batch HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json${token === undefined ? '' : `\r\nauthorization: Bearer ${token}`}`,
      body,
    );

  it('submits the statements as one SubmitBatch and answers each as it would have been answered alone', async () => {
    await start();
    const answer = await post(JSON.stringify({ statements: ['a.b.c', 'd.e.f', 'g.h.i', 'j.k.l'] }), f.tokens.member);
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(submitted, [{ transaction: 'SubmitBatch', args: ['["a.b.c","d.e.f","g.h.i","j.k.l"]'] }]);
    const { transactionId, blockNumber, results } = JSON.parse(answer.body) as {
      transactionId: string;
      blockNumber: string;
      results: { index: number; status: number; body: Record<string, unknown> }[];
    };
    assert.deepEqual([transactionId, blockNumber], [TX, '9']);
    assert.deepEqual(results[0], {
      index: 0,
      status: 201,
      body: { transactionId: TX, blockNumber: '9', alreadyApplied: false, record: { id: 'grant/s/x/r' } },
    });
    const replay = results[1];
    assert.ok(replay);
    assert.deepEqual([replay.status, replay.body.alreadyApplied, replay.body.transactionId], [200, true, ORIGINAL]);
    assert.deepEqual(
      results.slice(2).map((r) => [r.status, r.body.code, r.body.type]),
      [
        [400, 'BATCH_KEY_CONFLICT', 'urn:isl:problem:BATCH_KEY_CONFLICT'],
        [404, 'STUDY_NOT_FOUND', 'urn:isl:problem:STUDY_NOT_FOUND'],
      ],
    );
  });

  it('takes member tokens only, and bounds the batch before the ledger', async () => {
    await start();
    const one = JSON.stringify({ statements: ['a.b.c'] });
    assert.equal((await post(one)).status, 401);
    assert.equal((await post(one, f.tokens.otherOrg)).status, 401);
    assert.equal((await post(one, f.tokens.auditor)).status, 403);
    const code = async (body: string): Promise<[number, string]> => {
      const answer = await post(body, f.tokens.member);
      return [answer.status, (JSON.parse(answer.body) as { code: string }).code];
    };
    assert.deepEqual(await code(JSON.stringify({ statements: [] })), [400, 'REQUEST_INVALID']);
    assert.deepEqual(await code(JSON.stringify({ statements: Array.from({ length: 51 }, () => 'a.b.c') })), [400, 'REQUEST_INVALID']);
    assert.deepEqual(await code(JSON.stringify({ statements: ['a.b.c', 'x'.repeat(8193)] })), [413, 'STATEMENT_TOO_LARGE']);
    assert.deepEqual(await code(JSON.stringify({ statements: ['a.b.c'], padding: 'x'.repeat(460 * 1024) })), [413, 'STATEMENT_TOO_LARGE']);
    // The largest batch the chaincode takes fits the body limit.
    assert.equal((await post(JSON.stringify({ statements: Array.from({ length: 50 }, () => 'x'.repeat(8192)) }), f.tokens.member)).status, 200);
    assert.equal(submitted.length, 1, 'only the well-formed batch reached the ledger');
  });
});

describe('a batch event on the gateway event stream', () => {
  const chaincodeEvent = (eventName: string, payload: unknown): ChaincodeEvent => ({
    blockNumber: 12n,
    transactionId: TX,
    chaincodeName: 'isl',
    eventName,
    payload: new TextEncoder().encode(JSON.stringify(payload)),
  });

  it("is passed on as each statement's own event, with ids <block>:<transaction>:<n>", () => {
    const allowed = { type: 'AccessAllowed', key: 'grant/s/x/r', source: 's', study: 'x', recipient: 'r' };
    const revoked = { type: 'AccessRevoked', key: 'grant/s/y/r', source: 's', study: 'y', recipient: 'r' };
    assert.deepEqual(toLedgerEvents(chaincodeEvent('StatementBatch', { type: 'StatementBatch', events: [allowed, revoked] })), [
      { blockNumber: '12', transactionId: TX, name: 'AccessAllowed', payload: allowed, id: `12:${TX}:0` },
      { blockNumber: '12', transactionId: TX, name: 'AccessRevoked', payload: revoked, id: `12:${TX}:1` },
    ]);
  });

  it('leaves the event of any other transaction as it was', () => {
    const allowed = { type: 'AccessAllowed', key: 'grant/s/x/r', source: 's', study: 'x', recipient: 'r' };
    assert.deepEqual(toLedgerEvents(chaincodeEvent('AccessAllowed', allowed)), [
      { blockNumber: '12', transactionId: TX, name: 'AccessAllowed', payload: allowed, id: `12:${TX}` },
    ]);
  });
});
