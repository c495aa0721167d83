import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retrieveStudy, type RecipientSigningKey } from '@isl/application';
import type { BenchNetwork, BenchOrg } from '../network';
import { median } from '../stats';

export type EncryptionWay = 'isl retrieve WADO-RS' | 'isl retrieve WADO-RS encrypted' | 'isl retrieve ITI-43' | 'isl retrieve ITI-43 encrypted';
const WAYS: readonly EncryptionWay[] = ['isl retrieve WADO-RS', 'isl retrieve WADO-RS encrypted', 'isl retrieve ITI-43', 'isl retrieve ITI-43 encrypted'];

export interface EncryptionRun {
  readonly way: EncryptionWay;
  /** Plaintext DICOM bytes written. */
  readonly bytes: number;
  readonly seconds: number;
  readonly mbPerS: number;
}

export interface EncryptionResult {
  readonly runs: readonly EncryptionRun[];
  readonly medianMbPerS: Record<EncryptionWay, number>;
  /** Encrypted / plaintext throughput, median of each, same run (goal ≥ 0.8). */
  readonly ratioWado: number;
  readonly ratioIti43: number;
}

/**
 * End-to-end encryption's cost as the recipient sees it: the whole `isl retrieve` (signed request,
 * files written, DICOM checked) with and without --encrypted, so the encrypted figure includes the
 * source's encryption and the recipient's decryption and verification. Ways alternate each round.
 */
export async function benchEncryptedRetrieval(
  net: BenchNetwork,
  org: BenchOrg,
  key: RecipientSigningKey,
  study: string,
  o: { readonly rounds: number; readonly log: (m: string) => void },
): Promise<EncryptionResult> {
  const retrieve = async (way: EncryptionWay): Promise<number> => {
    const outDir = mkdtempSync(join(tmpdir(), 'isl-bench-e2e-'));
    try {
      const got = await retrieveStudy({
        url: org.sourceUrl,
        sourceId: org.source.keyId,
        study,
        key,
        protocol: way.includes('WADO-RS') ? 'wado-rs' : 'iti43',
        ca: net.ca,
        outDir,
        encrypted: way.endsWith('encrypted'),
      });
      return got.bytes;
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  };
  const runs: EncryptionRun[] = [];
  await retrieve('isl retrieve WADO-RS encrypted'); // warm-up: caches, and the first use of the code paths
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < WAYS.length; k++) {
      const way = WAYS[(k + r) % WAYS.length] ?? 'isl retrieve WADO-RS';
      const t = performance.now();
      const bytes = await retrieve(way);
      const seconds = (performance.now() - t) / 1000;
      runs.push({ way, bytes, seconds, mbPerS: bytes / 1e6 / seconds });
      o.log(`encryption round ${String(r + 1)} ${way}: ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s`);
    }
  }
  const medianMbPerS = Object.fromEntries(WAYS.map((w) => [w, median(runs.filter((x) => x.way === w).map((x) => x.mbPerS))])) as Record<EncryptionWay, number>;
  return {
    runs,
    medianMbPerS,
    ratioWado: medianMbPerS['isl retrieve WADO-RS encrypted'] / medianMbPerS['isl retrieve WADO-RS'],
    ratioIti43: medianMbPerS['isl retrieve ITI-43 encrypted'] / medianMbPerS['isl retrieve ITI-43'],
  };
}
