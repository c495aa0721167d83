import { strict as assert } from 'node:assert';
import { errorCodeOf } from '../testing/error-answer';
import { rawRequest, startGatewayFixture, type GatewayFixture, type RawAnswer } from '../testing/gateway-fixture';
import { problemCatalogue } from './problem';
import { organisationStatementTypes } from './statement-access';
import { statementRoutes } from './routes/statements';

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly access: unknown;
  readonly parameters: readonly { readonly name: string; readonly in: string; readonly required?: boolean }[];
}

const ID = 'A'.repeat(43);
const unsignedStatement = (type: string): string =>
  `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ type })).toString('base64url')}.${'A'.repeat(86)}`;

/** The operations of the OpenAPI document the gateway serves (so new routes are covered as they come). */
async function operations(f: GatewayFixture): Promise<Operation[]> {
  const answer = await rawRequest(f.port, 'GET /api/v1/openapi.json HTTP/1.1\r\nhost: x\r\nconnection: close');
  assert.equal(answer.status, 200);
  const doc = JSON.parse(answer.body) as { paths: Record<string, Record<string, { 'x-isl-access'?: unknown; parameters?: Operation['parameters'] }>> };
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), template, access: op['x-isl-access'], parameters: op.parameters ?? [] })),
  );
}

/** This test's own statement of who may call what, independent of the server's declarations. */
function policy(op: Operation): { readonly anonymous: boolean; readonly auditor: boolean; readonly access: string } {
  const relayed = statementRoutes.find((r) => op.method === 'POST' && op.template === `/api/v1${r.path}`);
  if (relayed) {
    const anonymous = !organisationStatementTypes.has(relayed.type);
    return { anonymous, auditor: false, access: anonymous ? 'relay' : 'member' };
  }
  if (op.method === 'POST' && op.template === '/api/v1/statements') return { anonymous: false, auditor: false, access: 'relay' };
  if (op.template.startsWith('/api/v1/audit')) return { anonymous: false, auditor: true, access: 'auditor' };
  if (op.template.startsWith('/api/v1/publications')) return { anonymous: false, auditor: false, access: 'member' };
  assert.equal(op.method, 'GET', `${op.method} ${op.template}: a write this test has no policy for`);
  return { anonymous: false, auditor: true, access: 'reader' };
}

function fill(op: Operation): string {
  const path = op.template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'org' ? 'Hospital1MSP' : ID));
  const query = op.parameters.filter((p) => p.in === 'query' && p.required === true).map((p) => `${p.name}=${p.name === 'key' ? 'source%2Fx' : ID}`);
  return query.length === 0 ? path : `${path}?${query.join('&')}`;
}

/** Other spellings of a request-target: encoded, case-changed, dot-segments, doubled slashes, absolute-form. */
function spellings(target: string, port: number): string[] {
  const [path = '', query] = target.split('?');
  const q = query === undefined ? '' : `?${query}`;
  const segments = path.split('/').slice(1);
  const hex = (c: string): string => `%${c.charCodeAt(0).toString(16)}`;
  const atSegment = (i: number, f: (s: string) => string): string => `/${segments.map((s, j) => (j === i ? f(s) : s)).join('/')}${q}`;
  const out = new Set<string>([target]);
  for (let i = 0; i < segments.length; i++) {
    out.add(atSegment(i, (s) => hex(s[0] ?? 'a') + s.slice(1)));
    out.add(atSegment(i, (s) => hex(s[0] ?? 'a').toUpperCase() + s.slice(1)));
    out.add(atSegment(i, (s) => Array.from(s, hex).join('')));
    out.add(atSegment(i, (s) => s.toUpperCase()));
    out.add(atSegment(i, (s) => `/${s}`));
    out.add(atSegment(i, (s) => `./${s}`));
    out.add(atSegment(i, (s) => `x/../${s}`));
    out.add(atSegment(i, (s) => `%2e/${s}`));
    out.add(atSegment(i, (s) => `x/%2E%2E/${s}`));
    out.add(atSegment(i, (s) => `${s};x`));
  }
  out.add(`/${segments.join('%2F')}${q}`);
  out.add(`/${segments.join('%2f')}${q}`);
  out.add(`/${segments.join('\\')}${q}`);
  out.add(`${path}/${q}`);
  out.add(`/${path}${q}`);
  out.add(`${path}%00${q}`);
  out.add(`http://127.0.0.1:${String(port)}${target}`);
  out.add(`http://evil.example${target}`);
  out.add(`HTTP://127.0.0.1:${String(port)}${target}`);
  return [...out];
}

function bodyFor(op: Operation, target: string): { head: string; body: string } {
  if (op.method !== 'POST') return { head: '', body: '' };
  if (op.template === '/api/v1/publications') return { head: '\r\ncontent-type: application/dicom', body: 'DICM' };
  if (op.template.endsWith('/consent'))
    return { head: '\r\ncontent-type: application/json', body: JSON.stringify({ consent: unsignedStatement('PatientConsent') }) };
  const relayed = statementRoutes.find((r) => target.endsWith(r.path));
  // To the type-dispatched resource: a statement only a member may relay.
  return { head: '\r\ncontent-type: application/json', body: JSON.stringify({ statement: unsignedStatement(relayed?.type ?? 'DefineSource') }) };
}

describe('gateway access: decided by the matched route, for every route and spelling (real HTTP, fake ledger)', function () {
  // More than 2,000 requests, one at a time (each one's effect on the fake ledger is counted on its own):
  // about 20 s on a quiet machine, past 120 s on a loaded one.
  this.timeout(300_000);
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture();
  });
  after(async () => {
    await f.close();
  });

  it('documents every operation with the access this test expects of it', async () => {
    const ops = await operations(f);
    assert.ok(ops.length >= 25, `the document lists ${String(ops.length)} operations`);
    for (const op of ops) {
      assert.equal(op.access, policy(op).access, `${op.method} ${op.template}`);
    }
  });

  it("refuses every route, in every spelling, without a token, with another organisation's token and (where not allowed) an auditor's: 401/403 (404/400 for a spelling no route matches), never 2xx, reaching nothing", async () => {
    const ops = await operations(f);
    const failures: string[] = [];
    let sent = 0;
    for (const op of ops) {
      const allowed = policy(op);
      const credentials: [string, string | undefined, number][] = [
        ['another organisation', f.tokens.otherOrg, 401],
        ['a malformed header', 'Basic dXNlcjpwdw==', 401],
      ];
      if (!allowed.anonymous) credentials.push(['no token', undefined, 401]);
      if (!allowed.auditor) credentials.push(['an auditor', f.tokens.auditor, 403]);
      const methods = op.method === 'GET' ? ['GET', 'HEAD'] : [op.method];
      for (const method of methods) {
        for (const target of spellings(fill(op), f.port)) {
          for (const [who, token, canonicalStatus] of credentials) {
            const { head, body } = bodyFor(op, target);
            const authorization = token === undefined ? '' : token.startsWith('Basic') ? `\r\nauthorization: ${token}` : `\r\nauthorization: Bearer ${token}`;
            const before = f.reached.ledger.length + f.reached.publisher.length;
            const answer = await rawRequest(f.port, `${method} ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close${authorization}${head}`, body).catch(
              (err: unknown): RawAnswer => ({ status: 0, headers: {}, body: String(err) }),
            );
            sent++;
            const what = `${method} ${target} with ${who}: ${String(answer.status)} ${answer.body.slice(0, 160)}`;
            const reached = f.reached.ledger.length + f.reached.publisher.length - before;
            if (reached !== 0) failures.push(`${what}: reached the ledger or publisher`);
            const canonical = target === fill(op);
            if (canonical ? answer.status !== canonicalStatus : ![400, 401, 403, 404].includes(answer.status)) {
              failures.push(`${what}: expected ${canonical ? String(canonicalStatus) : '401/403/404/400'}`);
              continue;
            }
            if (method === 'HEAD') continue;
            let code: string;
            try {
              code = errorCodeOf(answer);
            } catch (err) {
              failures.push(`${what}: ${(err as Error).message}`);
              continue;
            }
            if (!problemCatalogue.has(code)) failures.push(`${what}: not a documented problem`);
          }
        }
      }
    }
    assert.deepEqual(failures.slice(0, 20), [], `${String(failures.length)} of ${String(sent)} requests`);
    assert.ok(sent > 2000, `${String(sent)} requests sent`);
  });

  it('answers an unmatched path 401 without a valid token, and 404 NOT_FOUND with one', async () => {
    const anonymous = await rawRequest(f.port, 'GET /api/v1/nothing-here HTTP/1.1\r\nhost: x\r\nconnection: close');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
    const member = await rawRequest(f.port, `GET /api/v1/nothing-here HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${f.tokens.member}`);
    assert.deepEqual([member.status, (JSON.parse(member.body) as { code: string }).code], [404, 'NOT_FOUND']);
  });

  it('lets the member token through to the handlers, and the API documents and health without a token', async () => {
    const sources = await rawRequest(f.port, `GET /api/v1/sources HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: bearer ${f.tokens.member}`);
    assert.equal(sources.status, 200);
    assert.equal(f.reached.ledger.at(-1), 'ListSources');
    for (const open of ['/healthz', '/api/v1/openapi.json', '/api/v1/docs/']) {
      assert.equal((await rawRequest(f.port, `GET ${open} HTTP/1.1\r\nhost: x\r\nconnection: close`)).status, 200, open);
    }
  });
});
