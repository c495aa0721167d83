import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { audienceFor, createStatement, newNonce, newStudyReference, type Fields, type StatementType } from '@isl/chaincode';
import { newParty, type Party } from '@isl/chaincode/testing';
import { fetchAnswer } from '@isl/platform';
import { projectRoot, waitFor, type Organisation } from '@isl/network';
import { getTestConsortium, testNetwork } from '@isl/network/testing';
import { GatewayClient } from '../client/gateway-client';
import { loadGatewayConfig } from '../gateway/config';
import { startGateway, type RunningGateway } from '../gateway/start-gateway';
import { loadImageSourceConfig } from '../imagesource/config';
import { ImageSourcePaths } from '../imagesource/paths';
import { startImageSource } from '../imagesource/start-image-source';
import { OrthancFiles } from '../pacs/orthanc-config';
import { fhirSchemaErrors } from '../testing/fhir-schema';
import { getTestServices } from '../testing/root-hooks';
import { recipientKey } from '../testing/image-source-harness';
import { RsyslogRepository, type ReceivedMessage } from '../testing/rsyslog';
import { GET_COMPONENTS, signRequest } from '../wire/http-signature';

const SCHEMA = join(projectRoot, 'application', 'schemas', 'dicom-audit-message.rng');
const port = Number.parseInt(process.env.ISL_TEST_BASE_PORT ?? '17000', 10) + 710;

function validateAll(dir: string, messages: readonly ReceivedMessage[]): void {
  messages.forEach((m, i) => {
    const file = join(dir, `received-${String(i)}.xml`);
    writeFileSync(file, m.msg.replace(/^\uFEFF/, ''));
    try {
      execFileSync('xmllint', ['--noout', '--relaxng', SCHEMA, file], { stdio: 'pipe' });
    } catch (err) {
      assert.fail(`audit message ${String(i)} fails the DICOM audit schema: ${String((err as { stderr?: Buffer }).stderr)}`);
    }
  });
}

describe('ATNA audit messages and FHIR views on the real network (gateway in-process, real rsyslog over mutual TLS)', function () {
  this.timeout(300_000);
  let org: Organisation;
  let dir: string;
  let repo: RsyslogRepository;
  let gateway: RunningGateway;
  let base: string;
  let api: GatewayClient;
  let source: Party;
  let audience: string;
  const sign = <T extends StatementType>(type: T, fields: Fields<T>, signer: Party): Promise<string> =>
    createStatement(type, fields, signer.privateJwk, { audience });

  before(async () => {
    const c = getTestConsortium();
    const services = getTestServices();
    const found = c.topology.organisations[0];
    assert.ok(found);
    org = found;
    mkdirSync(join(projectRoot, '.run'), { recursive: true });
    dir = mkdtempSync(join(projectRoot, '.run', 'atna-network-'));
    // The gateway's client certificate for mutual TLS is its organisation's image-source TLS identity: the repository trusts that CA.
    const memberTls = new ImageSourcePaths(c.home(org.name).root, org.name).tls;
    assert.ok(existsSync(memberTls.tlsCert), `the organisation's TLS identity ${memberTls.tlsCert}`);
    repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port, requireClientCert: true, clientCas: [memberTls.tlsCa] });
    await repo.start();
    const stateDir = join(dir, 'gateway');
    mkdirSync(stateDir);
    // The enrolment ID is registered once at the organisation's CA: this gateway reuses the running one's identity.
    copyFileSync(join(services.gatewayStateDir(org), 'identity.json'), join(stateDir, 'identity.json'));
    gateway = await startGateway(
      loadGatewayConfig({
        ISL_CONNECTION_PROFILE: c.layout.connectionProfile,
        ISL_ORG: org.mspId,
        ISL_GATEWAY_STATE_DIR: stateDir,
        ISL_GATEWAY_PORT: '0',
        ISL_LOG_LEVEL: 'warn',
        ISL_AUDIT_REPOSITORY: `${repo.host}:${String(repo.port)}`,
        ISL_AUDIT_REPOSITORY_CA: repo.ca,
        ISL_AUDIT_REPOSITORY_NAME: 'localhost',
        ISL_AUDIT_RETRY_MS: '300',
      }),
    );
    base = `http://127.0.0.1:${String((gateway.app.server.address() as AddressInfo).port)}`;
    api = new GatewayClient({ baseUrl: base, token: readFileSync(join(stateDir, 'member-token'), 'utf8').trim() });
    audience = audienceFor(testNetwork().channelName, testNetwork().chaincodeName);
    source = await newParty('ES256');
    await api.relay(await sign('DefineSource', { url: 'https://images.hospital.example/iti43' }, source));
  });

  after(async () => {
    await gateway.close();
    await repo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every grant, revocation and failed authentication the gateway sees to the repository, schema-valid, with no PHI; keeps them while it is down', async () => {
    const [patient, doctor] = await Promise.all([newParty('EdDSA'), newParty('ES256')]);
    const study = newStudyReference();
    await api.relay(await sign('DefineStudy', { study, consent: await sign('PatientConsent', { source: source.id, study }, patient) }, source));
    const until = Math.floor(Date.now() / 1000) + 3600;
    await api.relay(await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until }, patient));
    await api.relay(await sign('RevokeAccess', { source: source.id, study, recipient: doctor.id }, patient));
    assert.equal((await fetch(`${base}/api/v1/sources`, { headers: { authorization: 'Bearer forged' } })).status, 401);

    const mine = (all: ReceivedMessage[]): ReceivedMessage[] => all.filter((m) => m.msg.includes(study) || m.msg.includes('csd-code="110114"'));
    const got = await waitFor('the grant, the revocation and the failed authentication at the repository', () => {
      const m = mine(repo.messages());
      return m.length >= 3 ? m : false;
    });
    validateAll(dir, got);
    const kinds = got.map((m) => /<EventID csd-code="(\d+)"/.exec(m.msg)?.[1]).sort();
    assert.deepEqual(kinds, ['110113', '110113', '110114']);
    for (const m of got) {
      assert.equal(m.msgid, 'IHE+RFC-3881');
      assert.equal(m.appName, 'isl-gateway');
      assert.doesNotMatch(m.msg, /110180|forged/, 'no Study Instance UID, no credential');
    }

    // The repository goes down: a grant is kept in the outbox, then delivered once it is back. (Another
    // recipient: a new grant to the revoked one, issued within the revocation's second, is STATEMENT_SUPERSEDED.)
    await repo.stop();
    const before = repo.messages().length;
    const nurse = await newParty('ES256');
    await api.relay(await sign('AllowAccess', { source: source.id, study, recipient: nurse.id, until }, patient));
    await waitFor('the grant kept in the audit outbox', async () => {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      return /^isl_gateway_audit_pending(\{[^}]*\})? [1-9]/m.test(metrics);
    });
    assert.equal(repo.messages().length, before);
    await repo.start();
    const after = await waitFor('the kept grant at the repository once it is back', () => {
      const m = mine(repo.messages());
      return m.length >= 4 ? m : false;
    });
    validateAll(dir, after);
    assert.equal(after.filter((m) => m.msg.includes('AccessAllowed')).length, 2);
  });

  it('answers the study as FHIR R4: Consent, AuditEvent and ImagingStudy searchsets that validate against the R4 JSON schema', async () => {
    const [patient, doctor] = await Promise.all([newParty('EdDSA'), newParty('ES256')]);
    const study = newStudyReference();
    await api.relay(await sign('DefineStudy', { study, consent: await sign('PatientConsent', { source: source.id, study }, patient) }, source));
    await api.relay(await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 3600 }, patient));
    await api.relay(await sign('RevokeAccess', { source: source.id, study, recipient: doctor.id }, patient));
    const token = readFileSync(join(dir, 'gateway', 'auditor-token'), 'utf8').trim();
    const search = async (resource: string): Promise<{ total: number; entry: { resource: Record<string, unknown> }[] }> => {
      const a = await fetch(`${base}/fhir/${resource}?source=${source.id}&study=${study}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(a.status, 200, resource);
      assert.match(a.headers.get('content-type') ?? '', /^application\/fhir\+json/);
      const bundle = (await a.json()) as { total: number; entry: { resource: Record<string, unknown> }[] };
      assert.deepEqual(fhirSchemaErrors(bundle), [], resource);
      return bundle;
    };
    const consents = await search('Consent');
    assert.equal(consents.total, 1);
    assert.equal(consents.entry[0]?.resource.status, 'inactive');
    const events = await search('AuditEvent');
    assert.deepEqual(
      events.entry.map((e) => (e.resource.outcomeDesc as string).split(':')[0]),
      ['AccessAllowed', 'AccessRevoked'],
    );
    const studies = await search('ImagingStudy');
    assert.equal(studies.total, 1);
    assert.doesNotMatch(JSON.stringify(studies), /urn:dicom:uid/);
    const refused = await fetch(`${base}/fhir/Consent?source=${source.id}&study=${study}`);
    assert.equal(refused.status, 401);
    assert.deepEqual(fhirSchemaErrors(await refused.json()), []);
  });

  it("sends the image source's refusals and failed authentications, decided on the real ledger, over mutual TLS with its organisation's TLS identity", async () => {
    // A second image source of the organisation, in-process, started from its settings (ISL_AUDIT_*) like the
    // supervised one, on a port of its own: a copy of the connection profile names it, and a copy of the
    // source's files (key, TLS identity, study map, Orthanc credentials) keeps the running one's untouched.
    const c = getTestConsortium();
    const realPaths = new ImageSourcePaths(c.home(org.name).root, org.name);
    const runDir = join(dir, 'member');
    const paths = new ImageSourcePaths(runDir, org.name);
    mkdirSync(paths.orthanc, { recursive: true });
    copyFileSync(realPaths.sourceKey, paths.sourceKey);
    if (existsSync(realPaths.studies)) copyFileSync(realPaths.studies, paths.studies);
    copyFileSync(new OrthancFiles(realPaths.orthanc).credentials, new OrthancFiles(paths.orthanc).credentials);
    cpSync(join(c.home(org.name).root, 'orgs', org.name, 'identities', 'image-source'), join(runDir, 'orgs', org.name, 'identities', 'image-source'), {
      recursive: true,
    });
    const profile = JSON.parse(readFileSync(c.layout.connectionProfile, 'utf8')) as { organisations: { mspId: string; imageSource: { port: number } }[] };
    const entry = profile.organisations.find((o) => o.mspId === org.mspId);
    assert.ok(entry);
    entry.imageSource.port = port + 1;
    const profilePath = join(dir, 'connection-profile.json');
    writeFileSync(profilePath, JSON.stringify(profile));
    const imageSource = await startImageSource(
      loadImageSourceConfig({
        ISL_CONNECTION_PROFILE: profilePath,
        ISL_ORG: org.mspId,
        ISL_RUN_DIR: runDir,
        ISL_LOG_LEVEL: 'warn',
        ISL_AUDIT_REPOSITORY: `${repo.host}:${String(repo.port)}`,
        ISL_AUDIT_REPOSITORY_CA: repo.ca,
        ISL_AUDIT_REPOSITORY_NAME: 'localhost',
        ISL_AUDIT_RETRY_MS: '300',
      }),
    );
    try {
      const ca = readFileSync(paths.tls.tlsCa);
      const reference = newStudyReference();
      const target = `${imageSource.url}/studies/${reference}`;
      const accept = { accept: 'multipart/related; type="application/dicom"' };
      const get = (headers: Record<string, string>) =>
        fetchAnswer(target, { headers: { ...accept, ...headers }, ca, timeoutMs: 30_000, maxBytes: 1024 * 1024 });
      assert.equal((await get({})).status, 401, 'unsigned');
      const stranger = await recipientKey();
      const signed = signRequest(stranger, { method: 'GET', targetUri: target, headers: accept }, { nonce: newNonce(), components: GET_COMPONENTS });
      assert.equal((await get(signed)).status, 404, 'no study of this source has that reference (asked of the ledger)');

      const got = await waitFor("the image source's two audit messages at the repository", () => {
        const m = repo.messages().filter((r) => r.appName === 'isl-image-source');
        return m.length >= 2 ? m : false;
      });
      validateAll(dir, got);
      const byEvent = new Map(got.map((m) => [/<EventID csd-code="(\d+)"/.exec(m.msg)?.[1], m.msg]));
      assert.deepEqual([...byEvent.keys()].sort(), ['110104', '110114']);
      assert.match(byEvent.get('110104') ?? '', /EventOutcomeIndicator="4"/);
      assert.match(byEvent.get('110104') ?? '', new RegExp(`ParticipantObjectID="${reference}"`));
      assert.match(byEvent.get('110104') ?? '', new RegExp(`UserID="${stranger.keyId}"`));
      assert.match(byEvent.get('110114') ?? '', /request signature missing/);
      assert.match(byEvent.get('110114') ?? '', new RegExp(`AuditSourceID="image-source.${org.name}"`));
    } finally {
      await imageSource.close();
    }
  });
});
