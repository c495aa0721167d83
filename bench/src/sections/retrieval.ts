import { generateKeyPairSync, randomUUID, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createStatement, generateStatementKey, newNonce, thumbprint } from '@isl/chaincode';
import { sendRequest } from '@isl/platform';
import {
  ACTION,
  type ConsentSigner,
  contentDigest,
  GET_COMPONENTS,
  mtomMessage,
  OrthancClient,
  POST_COMPONENTS,
  Publisher,
  type RecipientSigningKey,
  retrieveRequestEnvelope,
  signRequest,
  StudyStore,
  writeSyntheticStudy,
} from '@isl/application';
import type { BenchNetwork, BenchOrg } from '../network';
import { allowAccessStatement, type BenchStudy } from '../fixtures';
import { consortiumGroups, groupCpuMs, groupRssMb } from '../procstat';
import { benchEncryptedRetrieval, type EncryptionResult } from './encrypted-retrieval';
import { median } from '../stats';

export interface RetrievalOptions {
  readonly rounds: number;
  readonly instances: number;
  /** Pixels per side: 512 → 512 KiB per CT slice, 200 slices ≈ 105 MB. */
  readonly size: number;
  readonly fixtureFile: string;
  readonly log: (m: string) => void;
}

type Way = 'direct DICOMweb (Orthanc)' | 'image source WADO-RS' | 'image source ITI-43';

export interface RetrievalRun {
  readonly way: Way;
  readonly bytes: number;
  readonly seconds: number;
  readonly mbPerS: number;
  /** CPU the image source and Orthanc used during the run (ms): what a release costs, whatever else shares the machine. */
  readonly imageSourceCpuMs: number;
  readonly orthancCpuMs: number;
}

export interface RetrievalResult {
  readonly instances: number;
  readonly studyBytes: number;
  readonly runs: readonly RetrievalRun[];
  /** Median MB/s per way. */
  readonly medianMbPerS: Record<Way, number>;
  /** Median CPU ms of the image source and of Orthanc per retrieval, per way. */
  readonly medianCpuMs: Record<Way, { readonly imageSource: number; readonly orthanc: number }>;
  readonly ratioWado: number;
  readonly ratioIti43: number;
  /**
   * Fastest MB/s per way and the ratios of the fastest runs: Orthanc's own DICOMweb answers the
   * same study at about 70 ms of its CPU most times and 1–1.5 s some times (a copy of the whole
   * answer, page by page), so its median alone can flatter the image source. Absent in older runs.
   */
  readonly fastestMbPerS?: Record<Way, number>;
  readonly ratioWadoFastest?: number;
  readonly ratioIti43Fastest?: number;
  readonly imageSourcePeakRssMb: number;
  readonly imageSourceIdleRssMb: number;
  readonly revocation: { readonly allowedBefore: boolean; readonly refusedAfterRevokeBlock: boolean; readonly revokeBlock: string; readonly detail: string };
  /** isl retrieve with and without end-to-end encryption (absent in results from before it existed). */
  readonly encryption?: EncryptionResult;
}

interface Fixture {
  readonly org: string;
  readonly reference: string;
  readonly studyInstanceUid: string;
  readonly instances: number;
  readonly patient: JWK;
  readonly recipient: JWK;
}

function recipientKey(privateJwk: JWK): RecipientSigningKey {
  const privateKey: KeyObject = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const { kty, crv, x, y } = privateJwk;
  const publicJwk = { kty, crv, x, y } as JWK;
  return { alg: 'ES256', publicJwk, keyId: '', privateKey };
}

async function signingKey(privateJwk: JWK): Promise<RecipientSigningKey> {
  const k = recipientKey(privateJwk);
  return { ...k, keyId: await thumbprint(k.publicJwk) };
}

function newRecipientJwk(): JWK {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'jwk' });
}

/** Sets up (once; reused from the fixture file while the network keeps it) a study of `instances` slices at Hospital1, granted to a bench recipient. */
async function fixture(net: BenchNetwork, org: BenchOrg, o: RetrievalOptions): Promise<Fixture> {
  if (existsSync(o.fixtureFile)) {
    const f = JSON.parse(readFileSync(o.fixtureFile, 'utf8')) as Fixture;
    const store = new StudyStore(org.paths.studies);
    const access = await org.rest
      .get<{ allowed: boolean }>('/access', { source: org.source.keyId, study: f.reference, recipient: await thumbprint(f.recipient) })
      .catch(() => ({ allowed: false }));
    if (f.org === org.profile.mspId && f.instances === o.instances && store.byReference(f.reference)?.state === 'defined' && access.allowed) return f;
  }
  o.log(`making a synthetic CT study of ${String(o.instances)} instances (${String(o.size)}×${String(o.size)}) and publishing it at ${org.profile.mspId}`);
  const work = mkdtempSync(join(tmpdir(), 'isl-bench-study-'));
  try {
    const synthetic = writeSyntheticStudy(join(work, 'study'), { instances: o.instances, size: o.size });
    const { privateJwk: patient } = await generateStatementKey('ES256');
    const consentSigner: ConsentSigner = {
      signConsent: async (source, study, audience) => ({
        consent: await createStatement('PatientConsent', { source, study }, patient, { audience }),
        patientKeyId: await thumbprint(patient),
      }),
    };
    const publisher = new Publisher({
      orthanc: new OrthancClient(org.orthanc.baseUrl, org.orthanc.credentials),
      studies: new StudyStore(org.paths.studies),
      ledger: net.ledger(org),
      key: org.source,
      audience: net.audience,
    });
    const published = await publisher.publish(join(work, 'study'), consentSigner);
    const recipient = newRecipientJwk();
    const study: BenchStudy = { org, source: org.source.keyId, study: published.reference, patient, patientId: published.patientKeyId };
    // A lease of 300 days, so later runs reuse the study.
    await org.rest.relay((await allowAccessStatement(net, study, await thumbprint(recipient), 300 * 86_400)).statement);
    const f: Fixture = {
      org: org.profile.mspId,
      reference: published.reference,
      studyInstanceUid: synthetic.studyInstanceUid,
      instances: o.instances,
      patient,
      recipient,
    };
    writeFileSync(o.fixtureFile, JSON.stringify(f), { mode: 0o600 });
    return f;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads a response to its end, counting bytes (nothing kept: the client must not be the bottleneck). */
async function drainCount(res: IncomingMessage): Promise<number> {
  let n = 0;
  for await (const chunk of res) n += (chunk as Buffer).length;
  return n;
}

function send(url: string, options: { method: string; headers: Record<string, string>; ca?: readonly Buffer[] }, body?: Buffer): Promise<IncomingMessage> {
  return sendRequest(url, { ...options, timeoutMs: 120_000, ...(body ? { body } : {}) });
}

function wadoRequest(org: BenchOrg, key: RecipientSigningKey, reference: string): { url: string; headers: Record<string, string> } {
  const url = new URL(`studies/${encodeURIComponent(reference)}`, `${org.sourceUrl}/`).href;
  const headers = { accept: 'multipart/related; type="application/dicom"' };
  return { url, headers: { ...headers, ...signRequest(key, { method: 'GET', targetUri: url, headers }, { nonce: newNonce(), components: GET_COMPONENTS }) } };
}

async function viaWado(net: BenchNetwork, org: BenchOrg, key: RecipientSigningKey, reference: string): Promise<number> {
  const r = wadoRequest(org, key, reference);
  const res = await send(r.url, { method: 'GET', headers: r.headers, ca: net.ca });
  if (res.statusCode !== 200) throw new Error(`WADO-RS answered ${String(res.statusCode)}: ${(await drainCount(res)).toString()} bytes`);
  return drainCount(res);
}

async function viaIti43(net: BenchNetwork, org: BenchOrg, key: RecipientSigningKey, reference: string): Promise<number> {
  const target = new URL(org.sourceUrl).href;
  const envelope = retrieveRequestEnvelope(
    target,
    `urn:uuid:${randomUUID()}`,
    [{ repositoryUniqueId: org.source.keyId, documentUniqueId: reference }],
    'instances',
  );
  const { contentType, body } = mtomMessage(envelope, { action: ACTION });
  const headers = { 'content-type': contentType, 'content-digest': contentDigest(body) };
  const signed = signRequest(key, { method: 'POST', targetUri: target, headers }, { nonce: newNonce(), components: POST_COMPONENTS });
  const res = await send(target, { method: 'POST', headers: { ...headers, ...signed, 'content-length': String(body.length) }, ca: net.ca }, body);
  if (res.statusCode !== 200) throw new Error(`ITI-43 answered ${String(res.statusCode)}`);
  return drainCount(res);
}

async function direct(org: BenchOrg, uid: string): Promise<number> {
  const auth = `Basic ${Buffer.from(`${org.orthanc.credentials.username}:${org.orthanc.credentials.password}`).toString('base64')}`;
  const res = await send(`${org.orthanc.baseUrl}/dicom-web/studies/${encodeURIComponent(uid)}`, {
    method: 'GET',
    headers: { accept: 'multipart/related; type="application/dicom"', authorization: auth },
  });
  if (res.statusCode !== 200) throw new Error(`Orthanc DICOMweb answered ${String(res.statusCode)}`);
  return drainCount(res);
}

/** Grant, retrieve, revoke, retrieve: the release stops from the revoke's block (the source asks its peer per request). */
async function revocation(net: BenchNetwork, org: BenchOrg, f: Fixture): Promise<RetrievalResult['revocation']> {
  const jwk = newRecipientJwk();
  const key = await signingKey(jwk);
  const study: BenchStudy = { org, source: org.source.keyId, study: f.reference, patient: f.patient, patientId: await thumbprint(f.patient) };
  await org.rest.relay((await allowAccessStatement(net, study, key.keyId)).statement);
  const before = wadoRequest(org, key, f.reference);
  const resBefore = await send(before.url, { method: 'GET', headers: before.headers, ca: net.ca });
  const allowedBefore = resBefore.statusCode === 200;
  await drainCount(resBefore);
  const revoke = await createStatement('RevokeAccess', { source: study.source, study: study.study, recipient: key.keyId }, f.patient, {
    audience: net.audience,
  });
  const revoked = await org.rest.relay(revoke);
  const after = wadoRequest(org, key, f.reference);
  const resAfter = await send(after.url, { method: 'GET', headers: after.headers, ca: net.ca });
  await drainCount(resAfter);
  return {
    allowedBefore,
    refusedAfterRevokeBlock: resAfter.statusCode === 404,
    revokeBlock: revoked.blockNumber ?? '?',
    detail: `before revoke: HTTP ${String(resBefore.statusCode)}; first request after the revoke committed (block ${revoked.blockNumber ?? '?'}): HTTP ${String(resAfter.statusCode)}`,
  };
}

export async function benchRetrieval(net: BenchNetwork, o: RetrievalOptions): Promise<RetrievalResult> {
  const org = net.orgs[0];
  if (!org) throw new Error('no organisation');
  const f = await fixture(net, org, o);
  const key = await signingKey(f.recipient);
  const pgid = consortiumGroups(net.runDir).get(`image-source.${org.profile.name}`);
  const orthancPgid = consortiumGroups(net.runDir).get(`orthanc.${org.profile.name}`);
  if (pgid === undefined || orthancPgid === undefined) throw new Error('no image-source or orthanc pid file');
  const idle = groupRssMb(pgid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, groupRssMb(pgid))), 50);
  const ways: [Way, () => Promise<number>][] = [
    ['direct DICOMweb (Orthanc)', () => direct(org, f.studyInstanceUid)],
    ['image source WADO-RS', () => viaWado(net, org, key, f.reference)],
    ['image source ITI-43', () => viaIti43(net, org, key, f.reference)],
  ];
  const runs: RetrievalRun[] = [];
  try {
    // Warm-up: Orthanc's file cache and the TLS session, once each way. Every way must carry the
    // whole study (a way that answers with something else, e.g. a manifest, is not comparable).
    const whole = new Map<Way, number>();
    for (const [way, run] of ways) whole.set(way, await run());
    const study = whole.get('direct DICOMweb (Orthanc)') ?? 0;
    for (const [way, bytes] of whole) {
      if (bytes < study * 0.99) throw new Error(`${way} returned ${String(bytes)} bytes, not the study's ${String(study)}: not a retrieval of the study`);
    }
    for (let r = 0; r < o.rounds; r++) {
      // Alternate the order each round so caches and background work favour no way.
      for (let k = 0; k < ways.length; k++) {
        const [way, run] = ways[(k + r) % ways.length] as [Way, () => Promise<number>];
        const cpu0 = { imageSource: groupCpuMs(pgid), orthanc: groupCpuMs(orthancPgid) };
        const t = performance.now();
        const bytes = await run();
        const seconds = (performance.now() - t) / 1000;
        const imageSourceCpuMs = groupCpuMs(pgid) - cpu0.imageSource;
        const orthancCpuMs = groupCpuMs(orthancPgid) - cpu0.orthanc;
        runs.push({ way, bytes, seconds, mbPerS: bytes / 1e6 / seconds, imageSourceCpuMs, orthancCpuMs });
        o.log(
          `retrieval round ${String(r + 1)} ${way}: ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s; CPU image source ${imageSourceCpuMs.toFixed(0)} ms, Orthanc ${orthancCpuMs.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    clearInterval(sampler);
  }
  const med = (w: Way): number => median(runs.filter((r) => r.way === w).map((r) => r.mbPerS));
  const medianMbPerS = {
    'direct DICOMweb (Orthanc)': med('direct DICOMweb (Orthanc)'),
    'image source WADO-RS': med('image source WADO-RS'),
    'image source ITI-43': med('image source ITI-43'),
  };
  const best = (w: Way): number => Math.max(0, ...runs.filter((r) => r.way === w).map((r) => r.mbPerS));
  const fastestMbPerS = {
    'direct DICOMweb (Orthanc)': best('direct DICOMweb (Orthanc)'),
    'image source WADO-RS': best('image source WADO-RS'),
    'image source ITI-43': best('image source ITI-43'),
  };
  const cpu = (w: Way): { imageSource: number; orthanc: number } => {
    const mine = runs.filter((r) => r.way === w);
    return { imageSource: median(mine.map((r) => r.imageSourceCpuMs)), orthanc: median(mine.map((r) => r.orthancCpuMs)) };
  };
  return {
    instances: f.instances,
    studyBytes: runs.find((r) => r.way === 'direct DICOMweb (Orthanc)')?.bytes ?? 0,
    runs,
    medianMbPerS,
    medianCpuMs: {
      'direct DICOMweb (Orthanc)': cpu('direct DICOMweb (Orthanc)'),
      'image source WADO-RS': cpu('image source WADO-RS'),
      'image source ITI-43': cpu('image source ITI-43'),
    },
    ratioWado: medianMbPerS['image source WADO-RS'] / medianMbPerS['direct DICOMweb (Orthanc)'],
    ratioIti43: medianMbPerS['image source ITI-43'] / medianMbPerS['direct DICOMweb (Orthanc)'],
    fastestMbPerS,
    ratioWadoFastest: fastestMbPerS['image source WADO-RS'] / fastestMbPerS['direct DICOMweb (Orthanc)'],
    ratioIti43Fastest: fastestMbPerS['image source ITI-43'] / fastestMbPerS['direct DICOMweb (Orthanc)'],
    imageSourcePeakRssMb: peak,
    imageSourceIdleRssMb: idle,
    revocation: await revocation(net, org, f),
    encryption: await benchEncryptedRetrieval(net, org, key, f.reference, o),
  };
}
