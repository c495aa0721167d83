import { strict as assert } from 'node:assert';
import { rawRequest, startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';
import { statementRoutes } from './routes/statements';
import { organisationStatementTypes } from './statement-access';

const statementOf = (type: string): string =>
  `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ type, jti: Math.random() })).toString('base64url')}.${'A'.repeat(86)}`;

describe('who may relay what (real HTTP, fake ledger)', function () {
  this.timeout(60_000);
  let f: GatewayFixture;
  afterEach(async () => {
    await f.close();
  });

  const post = async (path: string, type: string, token?: string): Promise<{ status: number; code?: string }> => {
    const auth = token === undefined ? '' : `\r\nauthorization: Bearer ${token}`;
    const answer = await rawRequest(
      f.port,
      `POST /api/v1${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json${auth}`,
      JSON.stringify({ statement: statementOf(type) }),
    );
    return { status: answer.status, ...(answer.status >= 400 ? { code: (JSON.parse(answer.body) as { code: string }).code } : {}) };
  };

  it("relays an organisation's statements (its sources, studies, disclosures) only with its member token, on their resource and on /statements", async () => {
    f = await startGatewayFixture();
    assert.deepEqual([...organisationStatementTypes].sort(), [
      'BreakGlass',
      'DeactivateSource',
      'DefineSource',
      'DefineStudy',
      'RecordDisclosure',
      'UpdateSourceUrl',
    ]);
    for (const route of statementRoutes.filter((r) => organisationStatementTypes.has(r.type))) {
      for (const path of [route.path, '/statements']) {
        assert.deepEqual(await post(path, route.type), { status: 401, code: 'UNAUTHENTICATED' }, `${route.type} at ${path} without a token`);
        assert.deepEqual(
          await post(path, route.type, f.tokens.otherOrg),
          { status: 401, code: 'UNAUTHENTICATED' },
          `${route.type} with another gateway's token`,
        );
        assert.deepEqual(await post(path, route.type, f.tokens.auditor), { status: 403, code: 'MEMBER_REQUIRED' }, `${route.type} with an auditor token`);
      }
    }
    assert.deepEqual(f.reached.ledger, [], 'none reached the ledger');
    for (const route of statementRoutes.filter((r) => organisationStatementTypes.has(r.type))) {
      assert.equal((await post(route.path, route.type, f.tokens.member)).status, 201);
      assert.equal((await post('/statements', route.type, f.tokens.member)).status, 201);
    }
    assert.equal(f.reached.ledger.length, 2 * organisationStatementTypes.size);
  });

  it("relays patients' and recipients' statements for anyone, rate-limited per client; never for an auditor token", async () => {
    f = await startGatewayFixture({ anonymousRatePerMinute: 3 });
    const patients = statementRoutes.filter((r) => !organisationStatementTypes.has(r.type));
    assert.deepEqual(patients.map((r) => r.type).sort(), ['AllowAccess', 'BreakGlassConsent', 'DenyAccess', 'RequestAccess', 'RevokeAccess', 'RotateOwnerKey']);
    for (const route of patients) {
      assert.deepEqual(await post(route.path, route.type, f.tokens.auditor), { status: 403, code: 'MEMBER_REQUIRED' }, `${route.type} with an auditor token`);
      assert.deepEqual(await post('/statements', route.type, f.tokens.auditor), { status: 403, code: 'MEMBER_REQUIRED' });
    }
    assert.deepEqual(f.reached.ledger, []);
    // 3 anonymous relays a minute from one client; the 4th is refused, a member's are not counted.
    for (let i = 0; i < 3; i++) assert.equal((await post('/grants', 'AllowAccess')).status, 201);
    assert.deepEqual(await post('/statements', 'RequestAccess'), { status: 429, code: 'RATE_LIMITED' });
    assert.equal((await post('/grants', 'AllowAccess', f.tokens.member)).status, 201);
    assert.equal(f.reached.ledger.length, 4);
  });
});
