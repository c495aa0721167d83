import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '@isl/platform';

/** Which ledger and source a checkpoint is of: one made for another is never resumed. */
export interface ViewIdentity {
  readonly channel: string;
  readonly chaincode: string;
  readonly source: string;
}

/** The grant view as of a block height: its records and the last block applied. */
export interface GrantViewCheckpoint extends ViewIdentity {
  /** Blocks 0..height-1 are applied. */
  readonly height: bigint;
  /** The last block applied (height - 1) and its data hash: resuming checks the peer still has that block. */
  readonly last: { readonly number: bigint; readonly dataHash: string } | undefined;
  /** [state key, the record's JSON]. */
  readonly records: readonly (readonly [string, string])[];
}

const VERSION = 1;
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,18})$/);
const schema = z.object({
  version: z.literal(VERSION),
  channel: z.string(),
  chaincode: z.string(),
  source: z.string(),
  height: decimal,
  last: z.object({ number: decimal, dataHash: z.string() }).nullable(),
  records: z.array(z.tuple([z.string(), z.unknown()])),
});

/** Writes the checkpoint atomically (a crash leaves the previous one whole). */
export function writeCheckpoint(file: string, checkpoint: GrantViewCheckpoint): void {
  const last = checkpoint.last === undefined ? null : { number: checkpoint.last.number.toString(), dataHash: checkpoint.last.dataHash };
  const { channel, chaincode, source } = checkpoint;
  const head = JSON.stringify({ version: VERSION, channel, chaincode, source, height: checkpoint.height.toString(), last });
  // Each record is spliced in as the JSON it was committed as: serialising thousands of records again would hold the event loop.
  const records = checkpoint.records.map(([key, json]) => `[${JSON.stringify(key)},${json}]`).join(',');
  writeFileAtomic(file, `${head.slice(0, -1)},"records":[${records}]}`);
}

/**
 * The checkpoint in `file` when it is whole and of this ledger and source;
 * otherwise why it cannot be resumed (the view is then rebuilt from block 0).
 */
export function readCheckpoint(file: string, identity: ViewIdentity): { readonly checkpoint: GrantViewCheckpoint } | { readonly unusable: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { unusable: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no checkpoint yet' : `unreadable: ${(err as Error).message}` };
  }
  let parsed: z.infer<typeof schema>;
  try {
    parsed = schema.parse(JSON.parse(text));
  } catch (err) {
    return { unusable: `corrupt: ${(err as Error).message.slice(0, 200)}` };
  }
  if (parsed.channel !== identity.channel || parsed.chaincode !== identity.chaincode || parsed.source !== identity.source) {
    return { unusable: `of ${parsed.channel}/${parsed.chaincode} source ${parsed.source}` };
  }
  const height = BigInt(parsed.height);
  const last = parsed.last === null ? undefined : { number: BigInt(parsed.last.number), dataHash: parsed.last.dataHash };
  if ((last === undefined) !== (height === 0n) || (last !== undefined && last.number !== height - 1n)) {
    return { unusable: `corrupt: height ${parsed.height} and last block ${parsed.last?.number ?? 'none'} disagree` };
  }
  return {
    checkpoint: {
      channel: parsed.channel,
      chaincode: parsed.chaincode,
      source: parsed.source,
      height,
      last,
      records: parsed.records.map(([key, value]) => [key, JSON.stringify(value)]),
    },
  };
}
