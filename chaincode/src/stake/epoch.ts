import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { JsonRefusal, parseIJson } from '../statement/canonical';

/**
 * One stake epoch: the chaincode definition sequence whose endorsement policy
 * was compiled from the organisations' stakes, as the operator that rotated it
 * states. The chaincode checks structure and order only; whether the stakes
 * were the ledger's and the policy is their compilation is the audit's job
 * (docs/stake-and-audit.md), because reading every stake key would make this
 * submit depend on a range read.
 */
export interface EpochRecord {
  readonly kind: 'epoch';
  readonly id: string;
  /** The chaincode definition sequence the policy took effect at. */
  readonly sequence: number;
  /** The block holding the lifecycle commit of that definition. */
  readonly block: number;
  readonly policy: string;
  readonly policySha256: string;
  /** MSP ID -> studies published, as stated by the recording organisation. */
  readonly stakes: Readonly<Record<string, number>>;
  /** The policy compiler's record (isl.stake-policy/v1), kept verbatim for re-verification. */
  readonly compiled: unknown;
  readonly recordedBy: string;
  readonly recordedAt: string;
  readonly txId: string;
}

interface EpochHead {
  readonly kind: 'epochhead';
  readonly sequence: number;
}

const MAX_RECORD_LENGTH = 256 * 1024;
/** The compiler's record nests 4 deep; room for additions, not for a stack-sized tree. */
const MAX_RECORD_DEPTH = 16;
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const mspId = z.string().regex(/^[A-Za-z0-9.-]{1,128}$/);

/** What the operator submits: the compiler's record plus where the definition committed. */
const requestSchema = z
  .object({
    sequence: count.min(1),
    block: count,
    compiled: z
      .object({
        schema: z.literal('isl.stake-policy/v1'),
        epoch: count,
        input: z.object({ stakes: z.record(mspId, count) }).loose(),
        output: z.object({ policy: z.string().min(1), policySha256: z.string().regex(/^[0-9a-f]{64}$/) }).loose(),
      })
      .loose(),
  })
  .strict();

/** Whether the caller's certificate carries the admin NodeOU (OU=admin in its subject). */
export function isAdmin(ctx: Context): boolean {
  const id = ctx.clientIdentity.getID();
  const subject = id.split('::')[1] ?? '';
  return subject.split('/').some((part) => part === 'OU=admin');
}

export async function recordEpoch(tx: Tx, admin: boolean, json: unknown): Promise<Outcome<EpochRecord>> {
  if (!admin) {
    throw new LedgerError('ADMIN_REQUIRED', `${tx.mspId} submitted RecordEpoch with a non-admin identity`);
  }
  if (typeof json !== 'string' || json.length > MAX_RECORD_LENGTH) {
    throw new LedgerError('EPOCH_INVALID', `the epoch must be a JSON string of at most ${String(MAX_RECORD_LENGTH)} characters`);
  }
  let value: unknown;
  try {
    // Stored verbatim, so it must have a canonical form (I-JSON) like every stored value.
    value = parseIJson(json, MAX_RECORD_DEPTH);
  } catch (err) {
    if (!(err instanceof JsonRefusal)) {
      throw err;
    }
    throw new LedgerError('EPOCH_INVALID', `the epoch ${err.message}`);
  }
  const parsed = requestSchema.safeParse(value);
  if (!parsed.success) {
    throw new LedgerError('EPOCH_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const { sequence, block, compiled } = parsed.data;
  if (compiled.epoch !== sequence) {
    throw new LedgerError('EPOCH_INVALID', `the compiled record is for epoch ${String(compiled.epoch)}, not sequence ${String(sequence)}`);
  }
  const digest = createHash('sha256').update(compiled.output.policy, 'utf8').digest('hex');
  if (digest !== compiled.output.policySha256) {
    throw new LedgerError('EPOCH_INVALID', 'policySha256 is not the SHA-256 of the policy');
  }
  const head = await tx.state.get<EpochHead>(Keys.epochHead());
  if (head !== undefined && sequence <= head.sequence) {
    throw new LedgerError('EPOCH_STALE', `sequence ${String(sequence)} is not above the last recorded epoch ${String(head.sequence)}`);
  }
  const key = Keys.epoch(sequence);
  const record: EpochRecord = {
    kind: 'epoch',
    id: key.id,
    sequence,
    block,
    policy: compiled.output.policy,
    policySha256: digest,
    stakes: compiled.input.stakes,
    compiled,
    recordedBy: tx.mspId,
    recordedAt: tx.now,
    txId: tx.txId,
  };
  const changes = new Changes()
    .put(key, record)
    .put(Keys.epochHead(), { kind: 'epochhead', sequence } satisfies EpochHead)
    .emit({ type: 'EpochRecorded', key: key.id });
  return { record, changes };
}
