import { strict as assert } from 'node:assert';
import { getTestConsortium, testNetwork } from '@isl/network/testing';
import { openEvents } from '../testing/event-reader';
import { getTestServices } from '../testing/root-hooks';
import { connectGateway, type Organisation, organisationOf, projectRoot, waitFor } from '@isl/network';
import { audienceFor, createStatement, type Fields, newStudyReference, type StatementType } from '@isl/chaincode';
import { newParty, type Party } from '@isl/chaincode/testing';
import { GatewayClient, GatewayHttpError } from '../client/gateway-client';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensureGatewayIdentity } from './identity';
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';
import type { AddressInfo } from 'node:net';

describe('gateway application (REST over real HTTP, real network)', function () {
  this.timeout(240_000);
  let org: Organisation;
  let api: GatewayClient;
  let anonymous: GatewayClient;
  let audience: string;
  let source: Party;
  let url: string;

  const sign = <T extends StatementType>(type: T, fields: Fields<T>, signer: Party): Promise<string> =>
    createStatement(type, fields, signer.privateJwk, { audience });

  async function defineStudy(patient: Party): Promise<string> {
    const study = newStudyReference();
    const consent = await sign('PatientConsent', { source: source.id, study }, patient);
    await api.relay(await sign('DefineStudy', { study, consent }, source));
    return study;
  }

  before(async () => {
    const services = getTestServices();
    // The organisation with one peer, so stopping it makes its gateway lose its peer.
    const found = getTestConsortium().topology.organisations.find((o) => o.peers.length === 1);
    assert.ok(found);
    org = found;
    url = services.gatewayUrl(org);
    api = new GatewayClient({ baseUrl: url, token: services.memberToken(org) });
    anonymous = new GatewayClient({ baseUrl: url });
    audience = audienceFor(testNetwork().channelName, testNetwork().chaincodeName);
    source = await newParty('ES256');
    const defineSource = await sign('DefineSource', { url: 'https://images.hospital.example/iti43' }, source);
    // A source is the organisation's act: relayed only with its member token.
    await assert.rejects(anonymous.relay(defineSource), (err: GatewayHttpError) => err.status === 401 && err.code === 'UNAUTHENTICATED');
    const defined = await api.relay(defineSource);
    assert.equal(defined.alreadyApplied, false);
  });

  it("runs the paper's flow through REST, each write answered only after its commit, with its transaction id and block", async () => {
    const [patient, doctor] = await Promise.all([newParty('EdDSA'), newParty('ES256')]);
    const study = await defineStudy(patient);
    const until = Math.floor(Date.now() / 1000) + 3600;
    const grant = await api.relay(await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until, purpose: 'TREAT' }, patient));
    assert.match(grant.transactionId, /^[0-9a-f]{64}$/);
    assert.ok(Number(grant.blockNumber) > 0);
    // Committed before the answer: an immediate query at the same gateway sees it.
    const allowed = await api.get<{ allowed: boolean }>('/access', { source: source.id, study, recipient: doctor.id });
    assert.equal(allowed.allowed, true);
    await api.relay(await sign('RevokeAccess', { source: source.id, study, recipient: doctor.id }, patient));
    const denied = await api.get<{ allowed: boolean; reason?: string }>('/access', { source: source.id, study, recipient: doctor.id });
    assert.equal(denied.allowed, false);
    const grants = await api.get<unknown[]>(`/sources/${source.id}/studies/${study}/grants`);
    assert.equal(grants.length, 1);
  });

  it('starts in-process from its configuration (startGateway, no process of its own), serves the ledger, and closes', async () => {
    const c = getTestConsortium();
    const stateDir = mkdtempSync(join(tmpdir(), 'isl-gateway-in-process-'));
    try {
      // The gateway's enrolment ID is registered once at its organisation's CA: this one reuses the running gateway's identity.
      copyFileSync(join(c.home(org.name).root, 'orgs', org.name, 'gateway', 'identity.json'), join(stateDir, 'identity.json'));
      const config = loadGatewayConfig({
        ISL_CONNECTION_PROFILE: c.layout.connectionProfile,
        ISL_ORG: org.mspId,
        ISL_GATEWAY_STATE_DIR: stateDir,
        ISL_GATEWAY_PORT: '0',
        ISL_LOG_LEVEL: 'warn',
      });
      const gateway = await startGateway(config);
      const base = `http://127.0.0.1:${String((gateway.app.server.address() as AddressInfo).port)}`;
      try {
        assert.equal((await fetch(`${base}/readyz`)).status, 200);
        // Its first member token was issued into its own state folder, and reads the same ledger.
        const local = new GatewayClient({ baseUrl: base, token: readFileSync(join(stateDir, 'member-token'), 'utf8').trim() });
        const sources = await local.get<{ source: string }[]>('/sources');
        assert.ok(sources.some((s) => s.source === source.id));
      } finally {
        await gateway.close();
      }
      await assert.rejects(fetch(`${base}/healthz`), 'closed: nothing listens any more');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("answers a bad statement with 400 and the chaincode's own reason, writing nothing", async () => {
    const [patient, doctor, stranger] = await Promise.all([newParty('EdDSA'), newParty('ES256'), newParty('ES256')]);
    const study = await defineStudy(patient);
    // Signed by a stranger, not the study's patient.
    const forged = await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 3600 }, stranger);
    await assert.rejects(api.relay(forged), (err: GatewayHttpError) => {
      assert.equal(err.status, 403);
      assert.equal(err.code, 'SIGNER_NOT_AUTHORISED');
      return true;
    });
    const tampered = `${forged.slice(0, -4)}AAAA`;
    await assert.rejects(api.relay(tampered), (err: GatewayHttpError) => err.status === 400 && err.code === 'SIGNATURE_INVALID');
    assert.deepEqual(await api.get(`/sources/${source.id}/studies/${study}/grants`), []);
  });

  it('answers 401 without valid credentials, and such a request reaches no peer', async () => {
    const metrics = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();
    const count = (text: string): number => Number(/isl_gateway_transactions_total\{[^}]*transaction="ListSources"[^}]*\} (\d+)/.exec(text)?.[1] ?? '0');
    const before = count(await metrics());
    await assert.rejects(anonymous.get('/sources'), (err: GatewayHttpError) => err.status === 401);
    await assert.rejects(new GatewayClient({ baseUrl: url, token: 'isl_not-a-token' }).get('/sources'), (err: GatewayHttpError) => err.status === 401);
    assert.equal(count(await metrics()), before);
    await api.get('/sources');
    assert.equal(count(await metrics()), before + 1);
  });

  it('answers a statement submitted twice idempotently, naming the original transaction and block, even after its effect was undone', async () => {
    const [patient, doctor] = await Promise.all([newParty('EdDSA'), newParty('ES256')]);
    const study = await defineStudy(patient);
    const allow = await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 600 }, patient);
    const first = await api.relay(allow);
    const again = await api.relay(allow);
    assert.deepEqual([again.alreadyApplied, again.transactionId, again.blockNumber], [true, first.transactionId, first.blockNumber]);
    assert.match(again.detail ?? '', /not applied again/);
    // Revoked since: the replay is still "already applied" (it does not say the grant holds), and grants nothing.
    await api.relay(await sign('RevokeAccess', { source: source.id, study, recipient: doctor.id }, patient));
    const afterRevoke = await anonymous.relay(allow);
    assert.deepEqual([afterRevoke.alreadyApplied, afterRevoke.transactionId], [true, first.transactionId]);
    assert.equal((await api.get<{ allowed: boolean }>('/access', { source: source.id, study, recipient: doctor.id })).allowed, false);
  });

  it("reads its writes at another organisation's gateway with ?minBlock= (the write's block), every time", async () => {
    const services = getTestServices();
    const other = getTestConsortium().topology.organisations.find((o) => o.mspId !== org.mspId);
    assert.ok(other);
    const reader = new GatewayClient({ baseUrl: services.gatewayUrl(other), token: services.memberToken(other) });
    const patient = await newParty('EdDSA');
    const study = await defineStudy(patient);
    for (let i = 0; i < 15; i++) {
      const doctor = await newParty('ES256');
      const grant = await api.relay(
        await sign('AllowAccess', { source: source.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 600 }, patient),
      );
      assert.ok(grant.blockNumber !== undefined);
      const seen = await reader.get<{ allowed: boolean }>('/access', { source: source.id, study, recipient: doctor.id, minBlock: grant.blockNumber });
      assert.equal(seen.allowed, true, `grant ${String(i)} (block ${grant.blockNumber}) seen at ${other.mspId}`);
    }
    // A block that will not come in time: 504 naming it, not a stale answer.
    await assert.rejects(
      reader.get('/sources', { minBlock: '999999999' }),
      (err: GatewayHttpError) => err.status === 504 && err.code === 'BLOCK_NOT_REACHED' && err.problem.block === '999999999',
    );
  });

  it('serves its OpenAPI document and docs page, and counts AllowAccess in its metrics', async () => {
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/api/v1/grants',
      '/api/v1/statements',
      '/api/v1/access',
      '/api/v1/events',
      '/api/v1/history',
      '/api/v1/publications',
      '/api/v1/publications/{reference}/consent',
    ]) {
      assert.ok(path in doc.paths, `${path} documented`);
    }
    assert.equal((await fetch(`${url}/api/v1/docs/`)).status, 200);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /isl_gateway_transactions_total\{[^}]*transaction="AllowAccess"[^}]*outcome="committed"[^}]*\} [1-9]/);
  });

  it('answers 503 while its peer is down, then recovers; the event stream resumes without losing or repeating an event', async () => {
    const c = getTestConsortium();
    const services = getTestServices();
    const peer = org.peers[0];
    assert.ok(peer);
    const patient = await newParty('EdDSA');
    const recipients = await Promise.all([newParty('ES256'), newParty('ES256'), newParty('ES256')]);
    const study = await defineStudy(patient);
    const stream = openEvents(`${url}/api/v1/events?study=${study}`, services.memberToken(org));
    try {
      await waitFor(
        'the event stream to connect',
        async () => {
          await api.relay(await sign('RequestAccess', { source: source.id, study, purpose: 'TREAT' }, await newParty('ES256')));
          return stream.events.length > 0;
        },
        { timeoutMs: 30_000 },
      );
      const allow = (r: Party): Promise<string> =>
        sign('AllowAccess', { source: source.id, study, recipient: r.id, until: Math.floor(Date.now() / 1000) + 3600 }, patient);
      const first = await api.relay(await allow(recipients[0]));

      await c.supervisor.kill(peer.name);
      await assert.rejects(api.get('/sources'), (err: GatewayHttpError) => err.status === 503 && err.code === 'LEDGER_UNAVAILABLE');
      await c.restartNode(peer.name);
      await waitFor('the gateway to reach its restarted peer', () => api.get('/sources').then(() => true), { timeoutMs: 60_000 });

      const second = await api.relay(await allow(recipients[1]));
      const third = await api.relay(await allow(recipients[2]));
      await waitFor('the stream to deliver the events after the peer restart', () => stream.events.some((e) => e.id.endsWith(third.transactionId)), {
        timeoutMs: 60_000,
      });
      const ids = stream.events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, `no event repeated: ${ids.join(', ')}`);
      for (const tx of [first.transactionId, second.transactionId, third.transactionId]) {
        assert.equal(ids.filter((id) => id.endsWith(tx)).length, 1, `event of ${tx} delivered once`);
      }
      assert.ok(
        stream.events.every((e) => e.data.payload !== undefined && (e.data.payload as { study?: string }).study === study),
        'filtered to the study',
      );

      // A client that reconnects with Last-Event-ID gets exactly what came after.
      const resumed = openEvents(
        `${url}/api/v1/events?study=${study}`,
        services.memberToken(org),
        stream.events.find((e) => e.id.endsWith(first.transactionId))?.id,
      );
      try {
        await waitFor('the resumed stream to replay the later events', () => resumed.events.some((e) => e.id.endsWith(third.transactionId)), {
          timeoutMs: 60_000,
        });
        assert.deepEqual(
          resumed.events.map((e) => e.id),
          ids.slice(ids.findIndex((id) => id.endsWith(first.transactionId)) + 1),
        );
      } finally {
        resumed.close();
      }
    } finally {
      stream.close();
    }
  });

  it('enrols an organisation user through its Fabric CA (isl user enrol), and re-enrols it when its certificate nears expiry', async () => {
    const c = getTestConsortium();
    const work = mkdtempSync(join(tmpdir(), 'isl-enrol-'));
    try {
      const walletFile = join(work, 'clerk.json');
      const out = execFileSync(join(projectRoot, 'scripts', 'isl'), ['--json', '--org', org.mspId, 'user', 'enrol', 'records-clerk', '--out', walletFile], {
        env: { ...process.env, ISL_CONNECTION_PROFILE: c.layout.connectionProfile },
        encoding: 'utf8',
      });
      assert.equal((JSON.parse(out) as { renewed: boolean }).renewed, false);
      const first = JSON.parse(readFileSync(walletFile, 'utf8')) as { certificate: string; privateKey: string };
      assert.match(new X509Certificate(first.certificate).subject, /CN=records-clerk/);

      const profile = c.connectionProfile();
      const o = organisationOf(profile, org.mspId);
      const registrar = join(c.home(org.name).root, 'orgs', org.name, 'ca', 'registrar', 'msp');
      const renewed = await ensureGatewayIdentity({
        mspId: org.mspId,
        caUrl: o.ca.url,
        caName: o.ca.name,
        caCertFile: o.ca.caCert,
        registrar: { cert: join(registrar, 'signcerts', 'cert.pem'), key: join(registrar, 'keystore', readdirSync(join(registrar, 'keystore'))[0] ?? '') },
        enrollmentId: 'records-clerk',
        walletFile,
        // Everything is "near expiry" with a window this wide.
        renewWithinDays: 100_000,
      });
      assert.equal(renewed.renewed, true);
      assert.notEqual(renewed.certificate, first.certificate);
      // The renewed identity transacts: the peer accepts its signature.
      const conn = connectGateway({ org: o, signer: { certificate: renewed.certificate, privateKey: renewed.privateKey } });
      try {
        const sources = await conn.gateway.getNetwork(profile.channel).getContract(profile.chaincode).evaluateTransaction('ListSources');
        assert.ok(sources.length > 0);
      } finally {
        conn.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
