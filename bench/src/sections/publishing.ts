import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStatement, generateStatementKey } from '@isl/chaincode';
import { OrthancClient, writeSyntheticStudy } from '@isl/application';
import type { BenchNetwork } from '../network';
import { consortiumGroups, groupRssMb } from '../procstat';
import { median } from '../stats';

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
        // Through the gateway client isl uses: the body streams from disk, no retry when overloaded.
        const upload = async (): Promise<{ seconds: number; reference: string; source: string }> => {
          const t = performance.now();
          const staged = await org.rest.stagePublication(viaRest.files);
          return { seconds: (performance.now() - t) / 1000, reference: staged.reference, source: staged.source };
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
        const consent = await createStatement('PatientConsent', { source: staged.source, study: staged.reference }, patient, {
          audience: net.audience,
          lifetime: 3600,
        });
        const t = performance.now();
        const defined = await org.rest.definePublication(staged.reference, consent);
        const consentMs = performance.now() - t;
        if (defined.alreadyApplied) throw new Error(`${staged.reference} was already defined: not a fresh publication`);
        runs.push({ bytes: studyBytes, uploadSeconds: staged.seconds, directSeconds, consentMs });
        o.log(
          `publishing round ${String(r + 1)}: ${(studyBytes / 1e6).toFixed(1)} MB uploaded in ${staged.seconds.toFixed(2)} s (direct to Orthanc ${directSeconds.toFixed(2)} s), consent to commit ${consentMs.toFixed(0)} ms`,
        );
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
