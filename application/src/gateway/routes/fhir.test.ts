import { strict as assert } from 'node:assert';
import { fetchAnswer, type HttpAnswer } from '@isl/platform';
import { LedgerRejection, LedgerUnavailable } from '../../ledger/errors';
import { fhirSchemaErrors } from '../../testing/fhir-schema';
import { startGatewayFixture, type GatewayFixture } from '../../testing/gateway-fixture';

const SOURCE = 'S'.repeat(43);
const OTHER_SOURCE = 'O'.repeat(43);
const STUDY = 'st_dy-'.padEnd(43, 'x');
const UNKNOWN = 'U'.repeat(43);
const RECIPIENT = 'R'.repeat(43);
const PATIENT = 'P'.repeat(43);
const UID = '1.2.826.0.1.3680043.8.498.777';
const grantId = `grant/${SOURCE}/${STUDY}/${RECIPIENT}`;

const grant = {
  kind: 'grant',
  id: grantId,
  source: SOURCE,
  study: STUDY,
  recipient: RECIPIENT,
  patient: PATIENT,
  purpose: 'TREAT',
  grantedAt: '2026-11-01T10:00:00.000Z',
  until: '2999-01-01T00:00:00.000Z',
  status: 'active',
};
const revoked = { ...grant, status: 'revoked', revokedAt: '2026-11-02T10:00:00.000Z' };
const history = [
  { txId: 'a'.repeat(64), timestamp: grant.grantedAt, isDelete: false, value: grant },
  { txId: 'b'.repeat(64), timestamp: revoked.revokedAt, isDelete: false, value: revoked },
];
const disclosure = {
  kind: 'disclosure',
  id: `disclosure/${SOURCE}/${STUDY}/r1`,
  source: SOURCE,
  study: STUDY,
  recipient: RECIPIENT,
  disclosedAt: '2026-11-01T12:00:00.000Z',
  size: 1234,
  requestId: 'r1r1r1r1r1r1r1r1r1',
  recordedAt: '2026-11-01T12:00:05.000Z',
};

interface Bundle {
  resourceType: string;
  type: string;
  total: number;
  entry?: { fullUrl: string; resource: Record<string, unknown> & { identifier?: { system: string; value: string }[] } }[];
}

describe('gateway FHIR R4 views (real HTTP, fake ledger), validated against the FHIR R4 JSON schema', function () {
  // The official schema takes a while to compile (once).
  this.timeout(120_000);
  let f: GatewayFixture;
  let ledgerDown = false;
  let grants: unknown[] = [revoked];

  before(async () => {
    fhirSchemaErrors({ resourceType: 'Bundle', type: 'searchset' });
    f = await startGatewayFixture({
      evaluate: (transaction, args) => {
        if (ledgerDown) return Promise.reject(new LedgerUnavailable('the peer does not answer'));
        if (args.includes(UNKNOWN)) return Promise.reject(new LedgerRejection('STUDY_NOT_FOUND', `STUDY_NOT_FOUND: no study ${UNKNOWN}`));
        switch (transaction) {
          case 'ListGrants':
            return Promise.resolve(grants);
          case 'ListDisclosures':
            return Promise.resolve([disclosure]);
          case 'GetHistory':
            return Promise.resolve({ key: args[0], history });
          case 'GetStudy':
            return Promise.resolve({ kind: 'study', id: 'x', source: args[0], study: args[1], patient: PATIENT, definedAt: '2026-10-31T09:00:00.000Z' });
          case 'GetSource':
            return Promise.resolve({ kind: 'source', source: args[0], org: args[0] === SOURCE ? 'Hospital1MSP' : 'Hospital2MSP' });
          default:
            return Promise.reject(new Error(`unexpected ${transaction}`));
        }
      },
      publications: {
        publisher: () => Promise.reject(new Error('unused')),
        studies: {
          all: () => [],
          byReference: (reference: string) => (reference === STUDY ? { reference, studyInstanceUid: UID, state: 'defined', createdAt: '' } : undefined),
        },
        spoolDir: '/nonexistent',
        limits: { maxBytes: 1, maxInstances: 1 },
      },
    });
  });
  after(() => f.close());
  afterEach(() => {
    ledgerDown = false;
    grants = [revoked];
  });

  /** `null`: no token. */
  const get = (path: string, token: string | null = f.tokens.member): Promise<HttpAnswer> =>
    fetchAnswer(f.base, { method: 'GET', path, headers: token === null ? {} : { authorization: `Bearer ${token}` }, timeoutMs: 10_000 });
  const bundleOf = (a: HttpAnswer): Bundle => {
    assert.equal(a.status, 200, a.body.toString());
    assert.match(String(a.headers['content-type']), /^application\/fhir\+json/);
    const json = JSON.parse(a.body.toString()) as Bundle;
    assert.deepEqual(fhirSchemaErrors(json), []);
    assert.equal(json.type, 'searchset');
    return json;
  };
  const q = `source=${SOURCE}&study=${STUDY}`;

  it('Consent: each grant, with its provision period (to the revocation) and the recipient as actor, inactive once revoked', async () => {
    const b = bundleOf(await get(`/fhir/Consent?${q}`));
    assert.equal(b.total, 1);
    const consent = b.entry?.[0]?.resource as {
      status: string;
      id: string;
      provision: { period: { start: string; end: string }; actor: { reference: { identifier: { value: string } } }[]; purpose: { code: string }[] };
    };
    assert.equal(consent.status, 'inactive');
    assert.match(consent.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(consent.provision.period, { start: grant.grantedAt, end: revoked.revokedAt });
    assert.equal(consent.provision.actor[0]?.reference.identifier.value, RECIPIENT);
    assert.equal(consent.provision.purpose[0]?.code, 'TREAT');
    assert.match(b.entry?.[0]?.fullUrl ?? '', new RegExp(`/fhir/Consent/${consent.id}$`));
  });

  it('Consent: an unexpired, unrevoked grant is active until its lease ends', async () => {
    grants = [grant];
    const b = bundleOf(await get(`/fhir/Consent?${q}`, f.tokens.auditor));
    const consent = b.entry?.[0]?.resource as { status: string; provision: { period: { end: string } } };
    assert.equal(consent.status, 'active');
    assert.equal(consent.provision.period.end, grant.until);
  });

  it('AuditEvent: the release and the grant changes, in time order, as DICOM-coded events', async () => {
    const b = bundleOf(await get(`/fhir/AuditEvent?${q}`));
    assert.deepEqual(
      b.entry?.map((e) => {
        const r = e.resource as { type: { code: string }; subtype?: { code: string }[]; recorded: string };
        return [r.type.code, r.subtype?.[0]?.code, r.recorded];
      }),
      [
        ['110113', '110135', grant.grantedAt],
        ['110104', undefined, disclosure.disclosedAt],
        ['110113', '110135', revoked.revokedAt],
      ],
    );
  });

  it("ImagingStudy: a stub with the ledger reference; the Study Instance UID only for the source's own organisation's member", async () => {
    const own = bundleOf(await get(`/fhir/ImagingStudy?${q}`));
    assert.deepEqual(
      own.entry?.[0]?.resource.identifier?.map((i) => i.value),
      [`${SOURCE}/${STUDY}`, `urn:oid:${UID}`],
    );
    for (const [path, token] of [
      [`/fhir/ImagingStudy?${q}`, f.tokens.auditor],
      [`/fhir/ImagingStudy?source=${OTHER_SOURCE}&study=${STUDY}`, f.tokens.member],
    ] as const) {
      const b = bundleOf(await get(path, token));
      const text = JSON.stringify(b);
      assert.ok(!text.includes(UID), `${path}: no UID`);
      assert.equal(b.entry?.[0]?.resource.identifier?.length, 1);
    }
  });

  it('ignores a parameter it does not support (FHIR lenient handling), and its self link names only the parameters applied', async () => {
    const b = bundleOf(await get(`/fhir/ImagingStudy?${q}&patient=x`)) as Bundle & { link: { relation: string; url: string }[] };
    assert.equal(b.total, 1);
    assert.match(b.link[0]?.url ?? '', new RegExp(`/fhir/ImagingStudy\\?source=${SOURCE}&study=${STUDY}$`));
  });

  it('a study the ledger does not know is a search with no match, not an error', async () => {
    for (const resource of ['Consent', 'AuditEvent', 'ImagingStudy']) {
      const b = bundleOf(await get(`/fhir/${resource}?source=${SOURCE}&study=${UNKNOWN}`));
      assert.equal(b.total, 0);
    }
  });

  it('refusals are FHIR OperationOutcomes with the protocol code: no or a bad token, a missing or malformed parameter, the ledger down', async () => {
    const cases: [string, string | null, number, string, string][] = [
      [`/fhir/Consent?${q}`, null, 401, 'login', 'UNAUTHENTICATED'],
      [`/fhir/Consent?${q}`, 'bogus-token', 401, 'login', 'UNAUTHENTICATED'],
      [`/fhir/Consent?source=${SOURCE}`, f.tokens.member, 400, 'invalid', 'ARGUMENT_INVALID'],
      [`/fhir/AuditEvent?source=${SOURCE}&study=not-an-id`, f.tokens.member, 400, 'invalid', 'ARGUMENT_INVALID'],
    ];
    for (const [path, token, status, issue, code] of cases) {
      const a = await get(path, token);
      assert.equal(a.status, status, `${path}: ${a.body.toString()}`);
      assert.match(String(a.headers['content-type']), /^application\/fhir\+json/);
      const outcome = JSON.parse(a.body.toString()) as { issue: { code: string; details?: { coding: { code: string }[] } }[] };
      assert.deepEqual(fhirSchemaErrors(outcome), []);
      const [first] = outcome.issue;
      assert.deepEqual([first?.code, first?.details?.coding[0]?.code], [issue, code], path);
    }
    ledgerDown = true;
    const down = await get(`/fhir/Consent?${q}`);
    assert.equal(down.status, 503);
    assert.equal((JSON.parse(down.body.toString()) as { issue: { code: string }[] }).issue[0]?.code, 'transient');
  });

  it('the OpenAPI document lists the FHIR searches with their parameters and OperationOutcome errors', async () => {
    const doc = JSON.parse((await get('/api/v1/openapi.json', null)).body.toString()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    for (const resource of ['Consent', 'AuditEvent', 'ImagingStudy']) {
      const op = doc.paths[`/fhir/${resource}`]?.get;
      assert.ok(op, resource);
      assert.deepEqual(
        op.parameters
          ?.map((p) => p.name)
          .filter((n) => n !== 'minBlock')
          .sort(),
        ['source', 'study'],
      );
      for (const status of ['400', '401', '503']) assert.ok(op.responses[status]?.content?.['application/fhir+json'], `${resource} ${status}`);
    }
  });
});
