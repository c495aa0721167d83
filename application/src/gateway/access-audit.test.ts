import { strict as assert } from 'node:assert';
import { fetchAnswer } from '@isl/platform';
import type { AuditRecord } from '../atna/audit-message';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';

describe('gateway audit events (IHE ITI-20): failed authentications', function () {
  this.timeout(30_000);
  let f: GatewayFixture;
  const recorded: AuditRecord[] = [];

  before(async () => {
    f = await startGatewayFixture({ audit: { record: (r) => recorded.push(r) } });
  });
  after(() => f.close());
  beforeEach(() => {
    recorded.length = 0;
  });

  const get = (path: string, token?: string) =>
    fetchAnswer(f.base, { method: 'GET', path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeoutMs: 10_000 });

  it('a token this gateway did not issue, and no token on a route that needs one, are each a failed User Authentication (Login), without the token', async () => {
    assert.equal((await get('/api/v1/sources', 'not-a-token-of-this-gateway')).status, 401);
    assert.equal((await get('/api/v1/sources')).status, 401);
    assert.deepEqual(
      recorded.map((r) => [
        r.event.code,
        r.types?.[0]?.code,
        r.outcome,
        r.participants[0]?.userId,
        r.participants[0]?.accessPoint?.id,
        r.participants[1]?.userId,
      ]),
      [
        ['110114', '110122', 4, 'unauthenticated', '127.0.0.1', 'gateway.Hospital1MSP'],
        ['110114', '110122', 4, 'unauthenticated', '127.0.0.1', 'gateway.Hospital1MSP'],
      ],
    );
    assert.match(recorded[0]?.outcomeDescription ?? '', /^bearer token not valid at this gateway: GET \/api\/v1\/sources$/);
    assert.match(recorded[1]?.outcomeDescription ?? '', /^no bearer token/);
    assert.ok(!JSON.stringify(recorded).includes('not-a-token-of-this-gateway'));
  });

  it('valid tokens, public routes and refusals that are not authentication failures are not audited as such', async () => {
    assert.equal((await get('/api/v1/sources', f.tokens.member)).status, 200);
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/api/v1/audit', f.tokens.member)).status, 403);
    assert.deepEqual(recorded, []);
  });
});
