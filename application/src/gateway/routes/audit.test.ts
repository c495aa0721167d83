import { strict as assert } from 'node:assert';
import { startGatewayFixture, type GatewayFixture } from '../../testing/gateway-fixture';

describe('GET /api/v1/audit/disclosures-per-day (real HTTP, fake ledger)', () => {
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture();
  });
  after(async () => {
    await f.close();
  });
  const get = async (query: string, token = f.tokens.auditor): Promise<{ status: number; code: string | undefined; detail: string | undefined }> => {
    const answer = await fetch(`${f.base}/api/v1/audit/disclosures-per-day${query}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await answer.json()) as { code?: string; detail?: string };
    return { status: answer.status, code: body.code, detail: body.detail };
  };

  it('refuses a range that is not one of at most 366 real UTC days with 400 ARGUMENT_INVALID, saying why, reading no block', async () => {
    const before = f.reached.ledger.length;
    for (const [query, why] of [
      ['?from=2026-02-30', /from must be a UTC day/],
      ['?to=2026-1-01', /to/],
      ['?from=2026-03-02&to=2026-03-01', /is after/],
      ['?from=2020-01-01&to=2026-01-01', /at most 366 days/],
    ] as const) {
      const answer = await get(query);
      assert.deepEqual([answer.status, answer.code], [400, 'ARGUMENT_INVALID'], query);
      assert.match(answer.detail ?? '', why, query);
    }
    assert.equal(f.reached.ledger.length, before);
  });

  it('reads the blocks for a valid range (the fixture has none: 503 LEDGER_UNAVAILABLE), and is the auditors’ only', async () => {
    const answer = await get('?from=2026-03-01&to=2026-03-31');
    assert.deepEqual([answer.status, answer.code], [503, 'LEDGER_UNAVAILABLE']);
    assert.ok(f.reached.ledger.includes('GetChainInfo'));
    assert.deepEqual((await get('', f.tokens.member)).code, 'AUDITOR_REQUIRED');
  });
});
