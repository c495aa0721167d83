import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { compileStakePolicy, epochPolicyRecordJson, MORE_THAN_HALF } from './policy';

/** What a member's `stakes` step writes (network/src/member/member-epoch.ts). */
const stakesFormat = 'isl-epoch-stakes/1';
/** What every member's `epoch-approve` reads. */
const epochFormat = 'isl-epoch/1';
const maxStakesBytes = 256 * 1024;

const stakesSchema = z.strictObject({
  format: z.literal(stakesFormat),
  channel: z.string().min(1),
  sequence: z.number().int().min(2),
  stakes: z.record(z.string(), z.number().int().min(0)),
});

/** A compiled epoch: the next definition's sequence and stake policy, with the compiler's record. */
export interface CompiledEpochFile {
  readonly format: typeof epochFormat;
  readonly channel: string;
  readonly sequence: number;
  readonly policy: string;
  readonly stakes: Readonly<Record<string, number>>;
  readonly record: string;
}

/**
 * Compiles the stakes a member read (`npm run member -- stakes`) into the epoch
 * every member approves: a member below the floor counts the floor weight.
 * Throws an Error naming what is wrong with the stakes file.
 */
export function compileMemberEpoch(stakesFile: string, floorWeight: number): CompiledEpochFile {
  const size = statSync(stakesFile).size;
  if (size > maxStakesBytes) {
    throw new Error(`${stakesFile}: ${String(size)} bytes; a stakes file is at most ${String(maxStakesBytes)}`);
  }
  const parsed = stakesSchema.safeParse(JSON.parse(readFileSync(stakesFile, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${stakesFile} is not a member's stakes file (${stakesFormat}): ${z.prettifyError(parsed.error)}`);
  }
  const { channel, sequence, stakes } = parsed.data;
  const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight });
  return { format: epochFormat, channel, sequence, policy: compiled.policy, stakes, record: epochPolicyRecordJson(compiled, sequence) };
}
