import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createStatement, generateStatementKey } from '@isl/chaincode/dist/statement';
import { OrthancClient } from '@isl/application/dist/pacs/orthanc-client';
import { writeSyntheticStudy } from '@isl/application/dist/pacs/synthetic-study';
import type { BenchNetwork, BenchOrg } from '../network';
import { consortiumGroups, groupRssMb } from '../procstat';

export interface PublishingOptions {
  readonly rounds: number;
  readonly instances: number;
  /** Pixels per side: 512 → 512 KiB per CT slice. */
  readonly size: number;
  readonly log: (m: string) => void;
}

export interface PublishingRun {
  readonly bytes: number;
  /** REST upload (STOW-RS body) until the gateway answered 201: spooled, checked, stored in the PACS. */
  readonly uploadSeconds: number;
  /** The same number of instances stored straight into Orthanc's REST API, one request each. */
  readonly directSeconds: number;
  /** Consent posted until the gateway answered 201: verified, DefineStudy endorsed and committed. */
  readonly consentMs: number;
}

export interface PublishingResult {
  readonly instances: number;
  readonly studyBytes: number;
  readonly runs: readonly PublishingRun[];
  readonly medianUploadMbPerS: number;
  readonly medianDirectMbPerS: number;
  /** REST publishing upload rate / direct PACS store rate. */
  readonly ratio: number;
  readonly medianConsentMs: number;
  readonly gatewayIdleRssMb: number;
  readonly gatewayPeakRssMb: number;
}

const BOUNDARY = 'isl-bench-stow';

/** The study's files as a STOW-RS body, read from disk as it is sent (the bench holds no study in memory). */
function stowBody(files: readonly string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const file of files) {
        yield Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`);
        for await (const chunk of createReadStream(file)) yield chunk as Buffer;
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${BOUNDARY}--\r\n`);
    })(),
  );
}

function post(org: BenchOrg, path: string, contentType: string, body: Readable | Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, org.restUrl), { method: 'POST', headers: { authorization: `Bearer ${org.token}`, 'content-type': contentType }, timeout: 600_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within 600 s`)));
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * Publishing a study over the gateway's REST API (upload, then consent) at
 * the first organisation, against storing a study of the same size straight
 * into its Orthanc: what the hospital's systems wait for, and what the
 * gateway's streaming costs in memory. Each round publishes a fresh study.
 */
export async function benchPublishing(net: BenchNetwork, o: PublishingOptions): Promise<PublishingResult> {
  const org = net.orgs[0];
  if (!org) throw new Error('no organisation');
  const orthanc = new OrthancClient(org.orthanc.baseUrl, org.orthanc.credentials);
  const pgid = consortiumGroups(net.runDir).get(`gateway.${org.profile.name}`);
  if (pgid === undefined) throw new Error(`no pid file for gateway.${org.profile.name}`);
  const idle = groupRssMb(pgid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, groupRssMb(pgid))), 50);
  const { privateJwk: patient } = await generateStatementKey('ES256');
  const runs: PublishingRun[] = [];
  let studyBytes = 0;
  try {
    for (let r = 0; r < o.rounds; r++) {
      const work = mkdtempSync(join(tmpdir(), 'isl-bench-publish-'));
      try {
        const viaRest = writeSyntheticStudy(join(work, 'rest'), { instances: o.instances, size: o.size });
        const viaDirect = writeSyntheticStudy(join(work, 'direct'), { instances: o.instances, size: o.size });
        studyBytes = viaRest.files.reduce((n, f) => n + statSync(f).size, 0);
        const direct = async (): Promise<number> => {
          const t = performance.now();
          for (const f of viaDirect.files) await orthanc.storeInstance(readFileSync(f));
          return (performance.now() - t) / 1000;
        };
        const upload = async (): Promise<{ seconds: number; reference: string; source: string }> => {
          const t = performance.now();
          const staged = await post(org, '/api/v1/publications', `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`, stowBody(viaRest.files));
          if (staged.status !== 201) throw new Error(`upload answered ${String(staged.status)}: ${JSON.stringify(staged.json)}`);
          return { seconds: (performance.now() - t) / 1000, reference: String(staged.json.reference), source: String(staged.json.source) };
        };
        // Alternate the order each round so caches and background work favour neither.
        let directSeconds: number;
        let staged: Awaited<ReturnType<typeof upload>>;
        if (r % 2 === 0) {
          directSeconds = await direct();
          staged = await upload();
        } else {
          staged = await upload();
          directSeconds = await direct();
        }
        const consent = await createStatement('PatientConsent', { source: staged.source, study: staged.reference }, patient, { audience: net.audience, lifetime: 3600 });
        const t = performance.now();
        const defined = await post(org, `/api/v1/publications/${staged.reference}/consent`, 'application/json', Buffer.from(JSON.stringify({ consent })));
        const consentMs = performance.now() - t;
        if (defined.status !== 201) throw new Error(`consent answered ${String(defined.status)}: ${JSON.stringify(defined.json)}`);
        runs.push({ bytes: studyBytes, uploadSeconds: staged.seconds, directSeconds, consentMs });
        o.log(`publishing round ${String(r + 1)}: ${(studyBytes / 1e6).toFixed(1)} MB uploaded in ${staged.seconds.toFixed(2)} s (direct to Orthanc ${directSeconds.toFixed(2)} s), consent to commit ${consentMs.toFixed(0)} ms`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  } finally {
    clearInterval(sampler);
  }
  const medianUploadMbPerS = median(runs.map((x) => x.bytes / 1e6 / x.uploadSeconds));
  const medianDirectMbPerS = median(runs.map((x) => x.bytes / 1e6 / x.directSeconds));
  return {
    instances: o.instances,
    studyBytes,
    runs,
    medianUploadMbPerS,
    medianDirectMbPerS,
    ratio: medianUploadMbPerS / medianDirectMbPerS,
    medianConsentMs: median(runs.map((x) => x.consentMs)),
    gatewayIdleRssMb: idle,
    gatewayPeakRssMb: peak,
  };
}
