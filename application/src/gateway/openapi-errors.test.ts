import { strict as assert } from 'node:assert';
import { ErrorCodes, type ErrorCode } from '@isl/chaincode';
import { LedgerRejection, LedgerUnavailable, OutcomeUnknown, TransactionInvalid } from '../ledger/errors';
import { ImageSourceUnavailable } from '../publishing/local-publisher';
import { rawRequest, startGatewayFixture, type FixtureOptions, type GatewayFixture, type RawAnswer } from '../testing/gateway-fixture';
import { assertDocumented, documentedCodes, type OpenApiDocument, type OpenApiOperation } from '../testing/openapi-document';

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly op: OpenApiOperation;
}

const id = 'A'.repeat(43);
const tx = 'e'.repeat(64);
const tokenNames = ['none', 'member', 'auditor', 'otherOrg'] as const;
type TokenName = (typeof tokenNames)[number];

async function documentOf(f: GatewayFixture): Promise<OpenApiDocument> {
  return JSON.parse((await rawRequest(f.port, 'GET /api/v1/openapi.json HTTP/1.1\r\nhost: x\r\nconnection: close')).body) as OpenApiDocument;
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), template, op })));
}

/** A well-formed request to the operation: every path and required query parameter filled, a body of its kind. */
function wellFormed(o: Operation, token: string | undefined): { head: string; body: string } {
  const path = o.template.replace(/\{\w+\}/g, id);
  const required = (o.op.parameters ?? []).filter((p) => p.in === 'query' && (p as { required?: boolean }).required === true);
  const query = required.length === 0 ? '' : `?${required.map((p) => `${p.name}=${id}`).join('&')}`;
  const auth = token === undefined ? '' : `\r\nauthorization: Bearer ${token}`;
  const [type, body] =
    o.method !== 'POST'
      ? [undefined, '']
      : o.template === '/api/v1/publications'
        ? ['application/dicom', 'DICM']
        : o.template.endsWith('/consent')
          ? ['application/json', '{"consent":"a.b.c"}']
          : ['application/json', '{"statement":"a.b.c"}'];
  return { head: `${o.method} ${path}${query} HTTP/1.1\r\nhost: x\r\nconnection: close${auth}${type === undefined ? '' : `\r\ncontent-type: ${type}`}`, body };
}

/** The gateway with ledger, publisher or capacity failing one way: every answer must still be one its document names. */
const scenarios: Readonly<Record<string, FixtureOptions>> = {
  'the ledger answers': {},
  'the ledger is unreachable': {
    submit: () => Promise.reject(new LedgerUnavailable('the peer does not answer')),
    evaluate: () => Promise.reject(new LedgerUnavailable('the peer does not answer')),
  },
  'the gateway is at its in-flight limits': { maxWritesInFlight: 0, maxReadsInFlight: 0 },
  "a write's outcome is unknown and queries are refused": {
    submit: () => Promise.reject(new OutcomeUnknown(tx, 'ordering did not confirm')),
    evaluate: () => Promise.reject(new LedgerRejection('ARGUMENT_INVALID', 'ARGUMENT_INVALID: refused by the chaincode')),
  },
  'writes are invalidated and records are missing': {
    submit: () => Promise.reject(new TransactionInvalid(tx, 'MVCC_READ_CONFLICT')),
    // As the chaincode answers a missing record: only the queries of one record refuse.
    evaluate: (transaction) =>
      transaction === 'GetStudy'
        ? Promise.reject(new LedgerRejection('STUDY_NOT_FOUND', 'STUDY_NOT_FOUND: none'))
        : transaction === 'GetSource'
          ? Promise.reject(new LedgerRejection('SOURCE_NOT_FOUND', 'SOURCE_NOT_FOUND: none'))
          : Promise.resolve([]),
  },
};

describe('the OpenAPI document lists every error answer of every operation (real HTTP)', function () {
  this.timeout(120_000);

  /** Sends a request and returns the answer with the route the gateway matched. */
  const send = async (f: GatewayFixture, request: { head: string; body: string }): Promise<{ answer: RawAnswer; route: string | undefined }> => {
    f.reached.matched.length = 0;
    const answer = await rawRequest(f.port, request.head, request.body);
    return { answer, route: f.reached.matched.at(-1) };
  };
  const tokenOf = (f: GatewayFixture, name: TokenName): string | undefined => (name === 'none' ? undefined : f.tokens[name]);

  for (const [scenario, options] of Object.entries(scenarios)) {
    it(`answers each operation, with any token, only with responses its operation documents when ${scenario}`, async () => {
      const f = await startGatewayFixture({ anonymousRatePerMinute: 100_000, ...options });
      try {
        const doc = await documentOf(f);
        const ops = operationsOf(doc);
        const statuses = new Set<number>();
        for (const o of ops) {
          for (const token of tokenNames) {
            const { answer, route } = await send(f, wellFormed(o, tokenOf(f, token)));
            assert.equal(route, o.template, `${o.method} ${o.template} (${token}) matched ${String(route)}`);
            assertDocumented(doc, route, o.method, `${o.method} ${o.template} (${token})`, answer);
            statuses.add(answer.status);
          }
        }
        // The scenario really produced its failure (a fixture that failed nowhere would prove nothing).
        const expected: Readonly<Record<string, readonly number[]>> = {
          'the ledger is unreachable': [503],
          'the gateway is at its in-flight limits': [503],
          "a write's outcome is unknown and queries are refused": [504, 400],
          'writes are invalidated and records are missing': [409, 404],
        };
        for (const status of expected[scenario] ?? [200, 201]) assert.ok(statuses.has(status), `${scenario}: answered ${[...statuses].join(', ')}`);
      } finally {
        await f.close();
      }
    });
  }

  it('documents every code the chaincode can refuse a relayed statement with, on every statement route', async () => {
    let code: ErrorCode = 'SIGNATURE_INVALID';
    const f = await startGatewayFixture({
      anonymousRatePerMinute: 100_000,
      submit: () => Promise.reject(new LedgerRejection(code, `${code}: refused by the chaincode in transaction ${tx}`)),
    });
    try {
      const doc = await documentOf(f);
      const relays = operationsOf(doc).filter((o) => o.method === 'POST' && wellFormed(o, undefined).body.startsWith('{"statement"'));
      assert.ok(relays.length >= 11, `statement routes: ${relays.map((o) => o.template).join(', ')}`);
      // The epoch and admin codes belong to RecordEpoch, which no route relays.
      for (code of (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => !c.startsWith('EPOCH_') && c !== 'ADMIN_REQUIRED')) {
        for (const o of relays) {
          const { answer, route } = await send(f, wellFormed(o, f.tokens.member));
          assertDocumented(doc, route, o.method, `${o.method} ${o.template} refused with ${code}`, answer);
        }
      }
    } finally {
      await f.close();
    }
  });

  it("documents IMAGE_SOURCE_UNAVAILABLE on every publication operation when the organisation's image source is not set up", async () => {
    const f = await startGatewayFixture({
      publications: {
        publisher: () => Promise.reject(new ImageSourceUnavailable('no image source is set up')),
        studies: { all: () => [], byReference: () => undefined },
        spoolDir: '/nonexistent/isl-uploads',
        limits: { maxBytes: 1024, maxInstances: 1 },
      },
    });
    try {
      const doc = await documentOf(f);
      const steps = operationsOf(doc).filter((o) => o.template.startsWith('/api/v1/publications') && o.method !== 'GET');
      assert.equal(steps.length, 3);
      for (const o of steps) {
        const { answer, route } = await send(f, wellFormed(o, f.tokens.member));
        assert.deepEqual([answer.status, (JSON.parse(answer.body) as { code: string }).code], [503, 'IMAGE_SOURCE_UNAVAILABLE'], `${o.method} ${o.template}`);
        assertDocumented(doc, route, o.method, `${o.method} ${o.template}`, answer);
      }
    } finally {
      await f.close();
    }
  });

  it('gives every operation its access, input, admission and shutdown errors; an operation that reaches the ledger its 503s', async () => {
    const f = await startGatewayFixture({ evaluate: () => Promise.reject(new LedgerUnavailable('the peer does not answer')) });
    try {
      const doc = await documentOf(f);
      const ops = operationsOf(doc);
      assert.ok(ops.length >= 25, `operations: ${String(ops.length)}`);
      let reachingLedger = 0;
      for (const o of ops) {
        const what = `${o.method} ${o.template}`;
        const has = (status: number, ...codes: string[]): void => {
          const listed = documentedCodes(o.op, status) ?? [];
          for (const code of codes) assert.ok(listed.includes(code), `${what}: ${String(status)} does not list ${code} (${listed.join(', ')})`);
        };
        const access = o.op['x-isl-access'];
        assert.ok(access === 'reader' || access === 'member' || access === 'relay' || access === 'auditor', `${what}: access ${String(access)}`);
        has(401, 'UNAUTHENTICATED');
        if (access === 'member' || access === 'relay') has(403, 'MEMBER_REQUIRED');
        if (access === 'auditor') has(403, 'AUDITOR_REQUIRED');
        if (access === 'relay') has(429, 'RATE_LIMITED', 'TOO_MANY_CONNECTIONS');
        has(408, 'REQUEST_TIMEOUT');
        has(500, 'INTERNAL');
        has(503, 'SHUTTING_DOWN');
        if ((o.op.parameters ?? []).length > 0) has(400, 'ARGUMENT_INVALID');
        if (o.op.requestBody !== undefined || o.method === 'POST') {
          has(400, 'REQUEST_INVALID');
          has(415, 'UNSUPPORTED_MEDIA_TYPE');
          assert.ok(documentedCodes(o.op, 413)?.length, `${what}: no 413`);
        }
        // Whether it reaches the ledger is seen, not declared: a member's (or auditor's) well-formed request.
        const before = f.reached.ledger.length;
        await send(f, wellFormed(o, access === 'auditor' ? f.tokens.auditor : f.tokens.member));
        if (f.reached.ledger.length > before) {
          reachingLedger++;
          has(503, 'OVERLOADED', 'LEDGER_UNAVAILABLE');
          if (o.method === 'POST') has(504, 'OUTCOME_UNKNOWN');
        }
      }
      assert.ok(reachingLedger >= 20, `operations that reached the ledger: ${String(reachingLedger)}`);
    } finally {
      await f.close();
    }
  });
});
