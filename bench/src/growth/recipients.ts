import { createHash } from 'node:crypto';

/**
 * The recipient key id of the generator's grant number `index`: a 43-character
 * base64url SHA-256, as a key thumbprint is, derived from the run's seed so any
 * grant's recipient can be named again later (old keys against new keys)
 * without keeping them, and no two runs' recipients meet.
 */
export function recipientId(seed: string, index: number): string {
  return createHash('sha256')
    .update(`isl-bench-growth/${seed}/${String(index)}`)
    .digest('base64url');
}

/** Grant `index` is on study `index mod studies`: the grants spread evenly over a bounded set of studies. */
export function studyIndex(index: number, studies: number): number {
  return index % studies;
}
