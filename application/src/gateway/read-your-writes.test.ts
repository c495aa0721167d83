import { strict as assert } from 'node:assert';
import { LedgerRejection } from '../ledger/errors';
import { rawRequest, startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';

const ORIGINAL = 'c'.repeat(64);

describe('replays and read-your-writes (real HTTP, fake ledger)', function () {
  this.timeout(30_000);
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture({
      timeouts: { minBlockWaitMs: 300 },
      submit: (_transaction, args) =>
        args[0] === 'replayed.statement.x'
          ? Promise.reject(
              new LedgerRejection('STATEMENT_REPLAYED', `STATEMENT_REPLAYED: AllowAccess statement d already took effect in transaction ${ORIGINAL}`),
            )
          : Promise.resolve({ result: { id: 'grant/x' }, transactionId: 'e'.repeat(64), blockNumber: 11n, attempts: 1 }),
    });
    f.blocks.original.set(ORIGINAL, 4n);
  });
  after(async () => {
    await f.close();
  });

  const call = (method: string, target: string, body = ''): ReturnType<typeof rawRequest> =>
    rawRequest(
      f.port,
      `${method} ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${f.tokens.member}${body === '' ? '' : '\r\ncontent-type: application/json'}`,
      body,
    );

  it('answers a replayed statement 200 alreadyApplied, naming the original transaction and its block, and saying it was not applied again', async () => {
    const answer = await call('POST', '/api/v1/grants', JSON.stringify({ statement: 'replayed.statement.x' }));
    assert.equal(answer.status, 200);
    const body = JSON.parse(answer.body) as { alreadyApplied: boolean; transactionId: string; blockNumber: string; detail: string; record?: unknown };
    assert.deepEqual([body.alreadyApplied, body.transactionId, body.blockNumber, body.record], [true, ORIGINAL, '4', undefined]);
    assert.match(body.detail, /already took effect in transaction c{64} \(block 4\); it was not applied again, and what it did may have changed since/);
  });

  it("answers a write with its commit's block, and a read with ?minBlock= only once the peer has that block", async () => {
    const written = JSON.parse((await call('POST', '/api/v1/grants', JSON.stringify({ statement: 'a.b.c' }))).body) as { blockNumber: string };
    assert.equal(written.blockNumber, '11');
    f.blocks.height = 12n;
    const fresh = await call('GET', '/api/v1/access?source=' + 'A'.repeat(43) + '&study=' + 'A'.repeat(43) + '&recipient=' + 'A'.repeat(43) + '&minBlock=11');
    assert.equal(fresh.status, 200);

    // A block the peer does not have yet: the read waits for it...
    const waiting = call('GET', '/api/v1/sources?minBlock=12');
    setTimeout(() => {
      f.blocks.height = 13n;
    }, 50);
    assert.equal((await waiting).status, 200);
    // ...and, when it does not come in time, a 504 naming it; the query never ran.
    const before = f.reached.ledger.length;
    const late = await call('GET', '/api/v1/sources/' + 'A'.repeat(43) + '?minBlock=99');
    assert.equal(late.status, 504);
    const problem = JSON.parse(late.body) as { code: string; block: string; detail: string };
    assert.deepEqual([problem.code, problem.block], ['BLOCK_NOT_REACHED', '99']);
    assert.match(problem.detail, /block 99/);
    assert.equal(f.reached.ledger.length, before);
  });

  it('refuses a malformed minBlock with ARGUMENT_INVALID, and documents minBlock on every ledger read', async () => {
    for (const bad of ['x', '-1', '1e3', '01', '99999999999999999999']) {
      const answer = await call('GET', `/api/v1/sources?minBlock=${bad}`);
      assert.deepEqual([answer.status, (JSON.parse(answer.body) as { code: string }).code], [400, 'ARGUMENT_INVALID'], bad);
    }
    const doc = JSON.parse((await call('GET', '/api/v1/openapi.json')).body) as {
      paths: Record<string, Record<string, { tags?: string[]; parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
    };
    const reads = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m, op]) => m === 'get' && (op.tags?.includes('queries') === true || op.tags?.includes('audit') === true))
        .map(([, op]) => [path, op] as const),
    );
    assert.ok(reads.length >= 10);
    for (const [path, op] of reads) {
      assert.ok(
        op.parameters?.some((p) => p.name === 'minBlock'),
        `${path} takes minBlock`,
      );
      assert.ok('504' in op.responses, `${path} documents 504 BLOCK_NOT_REACHED`);
    }
  });
});
