import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { errorCodeOf } from '../testing/error-answer';
import { rawRequest, startGatewayFixture, type GatewayFixture, type RawAnswer } from '../testing/gateway-fixture';
import { PROBLEM_MEDIA_TYPE, problemCatalogue } from './problem';
import { assertDocumented, type OpenApiDocument } from '../testing/openapi-document';

interface Operation {
  readonly method: string;
  readonly template: string;
}

/** Characters a request-target may carry raw (RFC 3986 pchar and '/'), and a '%' now and then. */
const targetChar = fc.constantFrom(..."abcAZ09-._~!$&'()*+,;=:@/%".split(''), '%ZZ', '%2e', '%2F', '%00', '%C0%AF', '%FF', '..', '//');
const rawSegment = fc.array(targetChar, { minLength: 0, maxLength: 40 }).map((cs) => cs.join(''));
/** Any string, percent-encoded so the request line stays valid HTTP. */
const encodedString = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => encodeURIComponent(s));
const segment = fc.oneof(rawSegment, encodedString, fc.constant('%ZZ'), fc.constant('A'.repeat(43)), fc.constant('a'.repeat(300)));

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=latin1',
  'text/plain',
  'application/dicom',
  'multipart/related; type="application/dicom"; boundary=x',
  'multipart/related; boundary=',
  'application/x-www-form-urlencoded',
  '',
);
const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ statement: fc.oneof(fc.string({ maxLength: 100 }), fc.string({ minLength: 8000, maxLength: 9000 }), fc.jsonValue()) })
    .map((v) => JSON.stringify(v)),
  fc.record({ consent: fc.jsonValue() }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constant('{"statement":"a.b.c"'),
  // Expanded in the property (a counterexample prints short): a body over the 64 KiB limit.
  fc.constant('OVERSIZED'),
);
const expand = (body: string): string => (body === 'OVERSIZED' ? `{"statement":"${'x'.repeat(70_000)}"}` : body);

describe('every error is a documented problem: hostile paths, queries, bodies and headers (property, real HTTP)', function () {
  this.timeout(300_000);
  let f: GatewayFixture;
  let ops: Operation[];
  let doc: OpenApiDocument;
  before(async () => {
    f = await startGatewayFixture({ anonymousRatePerMinute: 100_000 });
    doc = JSON.parse((await rawRequest(f.port, 'GET /api/v1/openapi.json HTTP/1.1\r\nhost: x\r\nconnection: close')).body) as OpenApiDocument;
    ops = Object.entries(doc.paths).flatMap(([template, o]) => Object.keys(o).map((method) => ({ method: method.toUpperCase(), template })));
  });
  after(async () => {
    await f.close();
  });

  /** One request on a fresh socket; the fixture records the route it matched (and none if Fastify never saw it). */
  const send = (head: string, body = ''): Promise<RawAnswer> => {
    f.reached.matched.length = 0;
    return rawRequest(f.port, head, body);
  };

  /** The answer is a problem of the catalogue, and its status and code are in the matched operation's OpenAPI responses. */
  const check = (method: string, what: string, answer: RawAnswer): void => {
    assertDocumented(doc, f.reached.matched.at(-1), method, what, answer);
    assert.ok(answer.status < 500 || answer.status === 503 || answer.status === 504, `${what}: ${String(answer.status)} ${answer.body.slice(0, 300)}`);
    assert.doesNotMatch(answer.body, /FST_/, `${what}: a framework code reached the client`);
    if (answer.status < 400) return;
    const code = errorCodeOf(answer);
    assert.ok(problemCatalogue.has(code), `${what}: code ${code} is not documented`);
    // FHIR routes answer the same code as an OperationOutcome (errorCodeOf checked it).
    if (!answer.headers['content-type']?.startsWith(PROBLEM_MEDIA_TYPE)) return;
    const p = JSON.parse(answer.body) as Record<string, unknown>;
    assert.equal(p.status, answer.status, what);
    assert.ok(typeof p.code === 'string' && problemCatalogue.has(p.code), `${what}: code ${String(p.code)} is not documented`);
    assert.equal(p.type, `urn:isl:problem:${p.code}`, what);
    assert.equal(p.title, problemCatalogue.get(p.code)?.title, what);
    assert.ok(typeof p.detail === 'string' && p.detail.length > 0, what);
  };

  // Found by the property below: ajv coerces "1e400" to Infinity and lets it through `integer`, `minimum` and `maximum`.
  it('answers a non-finite or unsafe number in every numeric query parameter with 400 ARGUMENT_INVALID', async () => {
    const cases = Object.entries(doc.paths).flatMap(([template, o]) =>
      Object.entries(o).flatMap(([method, op]) =>
        (op.parameters ?? [])
          .filter(
            (q) => q.in === 'query' && (q.schema?.type === 'integer' || q.schema?.type === 'number' || q.schema?.pattern?.startsWith('^(0|[1-9]') === true),
          )
          .map((q) => ({ method: method.toUpperCase(), template, name: q.name })),
      ),
    );
    assert.ok(cases.length >= 10, `numeric query parameters found: ${JSON.stringify(cases)}`);
    for (const c of cases) {
      const path = c.template.replace(/\{\w+\}/g, 'A'.repeat(43));
      for (const value of ['1e400', '-1e400', '99999999999999999999999']) {
        for (const token of [f.tokens.member, f.tokens.auditor]) {
          const answer = await send(`${c.method} ${path}?${c.name}=${value} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${token}`);
          if (answer.status === 403) continue;
          check(c.method, `${c.method} ${path}?${c.name}=${value}`, answer);
          assert.deepEqual([answer.status, errorCodeOf(answer)], [400, 'ARGUMENT_INVALID'], `${c.method} ${path}?${c.name}=${value}`);
        }
      }
    }
  });

  it('answers malformed percent-encoding in every route parameter with 400 ARGUMENT_INVALID, with or without a token', async () => {
    for (const op of ops.filter((o) => o.template.includes('{'))) {
      const target = op.template.replace(/\{\w+\}/, '%ZZ').replace(/\{\w+\}/g, 'A'.repeat(43));
      for (const auth of ['', `\r\nauthorization: Bearer ${f.tokens.member}`]) {
        const answer = await send(`${op.method} ${target} HTTP/1.1\r\nhost: x\r\nconnection: close${auth}`);
        check(op.method, `${op.method} ${target}`, answer);
        assert.deepEqual([answer.status, errorCodeOf(answer)], [400, 'ARGUMENT_INVALID'], `${op.method} ${target}`);
      }
    }
  });

  it('never answers 500 or a framework code to any path, query, body or header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          op: fc.constantFrom(...ops),
          params: fc.array(segment, { minLength: 4, maxLength: 4 }),
          query: fc.array(
            fc.tuple(
              fc.constantFrom('minBlock', 'at', 'key', 'source', 'from', 'to', 'study', 'x', '%ZZ'),
              fc.oneof(rawSegment, encodedString, fc.constant('1e400'), fc.constant('-1'), fc.constant('99999999999999999999999')),
            ),
            { maxLength: 4 },
          ),
          token: fc.constantFrom('member', 'auditor', 'none', 'garbage'),
          contentType,
          body: jsonBody,
          extra: fc.constantFrom(
            '',
            '\r\naccept: */*',
            '\r\nlast-event-id: 1:zz',
            '\r\ntransfer-encoding: chunked',
            '\r\nexpect: 100-continue',
            '\r\nx-forwarded-for: 1.2.3.4',
          ),
        }),
        async ({ op, params, query, token, contentType: type, body, extra }) => {
          let i = 0;
          const path = op.template.replace(/\{\w+\}/g, () => params[i++] ?? 'x');
          const q = query.length === 0 ? '' : `?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
          const auth = {
            member: `\r\nauthorization: Bearer ${f.tokens.member}`,
            auditor: `\r\nauthorization: Bearer ${f.tokens.auditor}`,
            none: '',
            garbage: '\r\nauthorization: Bearer \u00ff',
          }[token];
          // A GET or DELETE is sent without a body, so it must not announce one (the server would rightly wait 10 s, then 408).
          const bodyless = op.method === 'GET' || op.method === 'DELETE';
          const framing = bodyless && extra.includes('chunked') ? '' : extra;
          const chunked = framing.includes('chunked');
          const full = expand(body);
          const sent = chunked ? `${full.length.toString(16)}\r\n${full}\r\n0\r\n\r\n` : full;
          const head = `${op.method} ${path}${q} HTTP/1.1\r\nhost: x\r\nconnection: close${auth}${type === '' ? '' : `\r\ncontent-type: ${type}`}${framing}`;
          const answer = await send(head, bodyless ? '' : sent);
          check(op.method, `${op.method} ${path}${q} (${token}, ${type}) ${body.slice(0, 80)}`, answer);
        },
      ),
      { numRuns: 400 },
    );
  });
});
