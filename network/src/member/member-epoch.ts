import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { common } from '@hyperledger/fabric-protos';
import { z } from 'zod';
import { connectGateway } from '../gateway/connect';
import { NetworkState } from '../state';
import { memberIds } from './channel-config';
import { MemberChaincode } from './member-chaincode';
import { MemberError } from './member-error';
import type { MemberStepOptions } from './member-step';
import { Membership } from './membership';
import { describeEpochReport, epochReport, type EpochReport } from '../stake/epoch-report';

/** The stakes a member read from the ledger for the next epoch, with the figures of its stake report: what `isl stake compile` compiles. */
export const epochStakesFormat = 'isl-epoch-stakes/2';
/** A compiled epoch: the definition every member approves (the compiler's output and record) and its stake report. */
export const epochFormat = 'isl-epoch/2';
const maxEpochBytes = 1024 * 1024;
const maxStakesBytes = 256 * 1024;

const stakesSchema = z.record(z.string(), z.number().int().min(0));
/** The last recorded epoch (ListEpochs) as the report needs it; null before the first. */
const previousSchema = z.strictObject({ sequence: z.number().int().min(1), recordedAt: z.string().min(1), stakes: stakesSchema }).nullable();
/** GetStakeActivity since the previous epoch's recordedAt, per organisation. */
const activitySchema = z
  .array(
    z.strictObject({ org: z.string().min(1), studies: z.number().int().min(0), studiesSince: z.number().int().min(0), usedSince: z.number().int().min(0) }),
  )
  .max(10_000);

const stakesFileSchema = z.strictObject({
  format: z.literal(epochStakesFormat),
  channel: z.string().min(1),
  sequence: z.number().int().min(2),
  stakes: stakesSchema,
  previous: previousSchema,
  activity: activitySchema,
});

export type EpochStakesFile = z.infer<typeof stakesFileSchema>;

const epochSchema = z.strictObject({
  format: z.literal(epochFormat),
  channel: z.string().min(1),
  sequence: z.number().int().min(2),
  policy: z.string().min(1),
  stakes: stakesSchema,
  /** The compiler's canonical isl.stake-policy/v1 record (RecordEpoch stores it). */
  record: z.string().min(1),
  previous: previousSchema,
  activity: activitySchema,
  /** The stake report of these figures (checked: it must be what epochReport gives for them). */
  report: z.unknown(),
});

export type MemberEpochFile = Omit<z.infer<typeof epochSchema>, 'report'> & { readonly report: EpochReport };

const recordSchema = z.looseObject({
  epoch: z.number().int(),
  output: z.looseObject({ policy: z.string(), policySha256: z.string() }),
});

/** Reads a member's stakes file (bounded), as `member stakes` wrote it. */
export function readEpochStakes(file: string): EpochStakesFile {
  const size = statSync(file).size;
  if (size > maxStakesBytes) {
    throw new MemberError('EPOCH_INVALID', `${file}: ${String(size)} bytes; a stakes file is at most ${String(maxStakesBytes)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MemberError('EPOCH_INVALID', `${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = stakesFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new MemberError('EPOCH_INVALID', `${file} is not a member's stakes file (${epochStakesFormat}): ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The stake report of a stakes file's figures (the default outlier rules, as every member computes it). */
export function stakesReport(figures: Pick<EpochStakesFile, 'previous' | 'stakes' | 'activity'>): EpochReport {
  return epochReport({ previous: figures.previous ?? undefined, stakes: figures.stakes, activity: figures.activity });
}

/**
 * Reads a compiled epoch (bounded) and checks that its policy is the one its record names,
 * and its stake report the one its figures give (so no flag was dropped on the way).
 */
export function readEpoch(file: string, channel: string): MemberEpochFile {
  const size = statSync(file).size;
  if (size > maxEpochBytes) {
    throw new MemberError('EPOCH_INVALID', `${file}: ${String(size)} bytes; a compiled epoch is at most ${String(maxEpochBytes)}`);
  }
  let epoch: z.infer<typeof epochSchema>;
  let record: z.infer<typeof recordSchema>;
  try {
    epoch = epochSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    record = recordSchema.parse(JSON.parse(epoch.record));
  } catch (err) {
    throw new MemberError('EPOCH_INVALID', `${file} is not a compiled epoch (${epochFormat}): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (epoch.channel !== channel) {
    throw new MemberError('EPOCH_INVALID', `${file} is an epoch of channel "${epoch.channel}", not "${channel}"`);
  }
  const digest = createHash('sha256').update(epoch.policy, 'utf8').digest('hex');
  if (record.epoch !== epoch.sequence || record.output.policy !== epoch.policy || record.output.policySha256 !== digest) {
    throw new MemberError(
      'EPOCH_INVALID',
      `${file}: its policy is not the one its compiler record names for sequence ${String(epoch.sequence)}; it was altered`,
    );
  }
  const report = stakesReport(epoch);
  if (!isDeepStrictEqual(report, epoch.report)) {
    throw new MemberError('EPOCH_INVALID', `${file}: its stake report is not the one its figures give (stakes, previous epoch, activity); it was altered`);
  }
  return { ...epoch, report };
}

/** What a member tells itself before approving: the report, and how to decline or accept a flagged one. */
const declineHint = 'epoch-approve refuses it; approve after review with --accept-flags, or do not approve';

/**
 * A stake epoch as one member on its own host: it reads the stakes of every
 * channel member through its own peer, approves a compiled epoch's definition
 * (next sequence, the stake policy) with its own admin, and commits it once a
 * majority approved, recording the epoch on the ledger (RecordEpoch).
 */
export class MemberEpoch {
  readonly #o: MemberStepOptions;
  #chaincodeSteps: MemberChaincode | undefined;

  constructor(options: MemberStepOptions) {
    this.#o = options;
  }

  /** Made on first use: an epoch refused on reading touches none of the member's nodes. */
  get #chaincode(): MemberChaincode {
    this.#chaincodeSteps ??= new MemberChaincode({ member: this.#o.member, charter: this.#o.charter, log: this.#o.log });
    return this.#chaincodeSteps;
  }

  #log(message: string): void {
    this.#o.log?.(message);
  }

  /** Writes every channel member's stake (GetStake through this member's peer) and the next sequence to `out`. */
  async stakes(out: string): Promise<Readonly<Record<string, number>>> {
    const members = memberIds(await new Membership(this.#o).currentConfig());
    const committed = await this.#chaincode.committed();
    if (!committed) {
      throw new MemberError(
        'CHAINCODE_NOT_APPROVED',
        `${this.#o.charter.chaincode.name} is not committed yet: found the channel and commit the chaincode first`,
      );
    }
    const connection = connectGateway({ org: this.#o.member.gatewayProfile() });
    let listed: { org: string; studies: number }[];
    let previous: EpochStakesFile['previous'];
    let activity: EpochStakesFile['activity'];
    try {
      const contract = connection.gateway.getNetwork(this.#o.charter.channel).getContract(this.#o.charter.chaincode.name);
      const query = async (name: string, ...args: string[]): Promise<unknown> =>
        JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction(name, ...args))) as unknown;
      listed = (await query('GetStake', '')) as { org: string; studies: number }[];
      // The report's figures: the last recorded epoch, and the use of the studies published since.
      const last = ((await query('ListEpochs')) as { sequence: number; recordedAt: string; stakes: Record<string, number> }[]).at(-1);
      previous = last === undefined ? null : { sequence: last.sequence, recordedAt: last.recordedAt, stakes: last.stakes };
      activity = ((await query('GetStakeActivity', previous?.recordedAt ?? '')) as EpochStakesFile['activity']).filter((a) => members.includes(a.org));
    } finally {
      connection.close();
    }
    const stakes: Record<string, number> = Object.fromEntries(members.map((m) => [m, 0]));
    for (const entry of listed) {
      // A source of a member that left has no seat to weigh.
      if (Object.hasOwn(stakes, entry.org)) {
        stakes[entry.org] = entry.studies;
      }
    }
    mkdirSync(dirname(out), { recursive: true });
    const file: EpochStakesFile = { format: epochStakesFormat, channel: this.#o.charter.channel, sequence: committed.sequence + 1, stakes, previous, activity };
    writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
    this.#log(`stakes for sequence ${String(committed.sequence + 1)}:\n${describeEpochReport(stakesReport(file), declineHint)}`);
    return stakes;
  }

  /**
   * Approves the epoch's definition as this member's admin. Refuses an epoch
   * that is not the next sequence (nor the committed one, for a late approval),
   * that leaves out a channel member, or whose stake report flags an
   * organisation unless `acceptFlags` (the admin reviewed it and approves anyway).
   */
  async approve(file: string, options: { readonly acceptFlags?: boolean } = {}): Promise<MemberEpochFile> {
    const epoch = readEpoch(file, this.#o.charter.channel);
    this.#log(describeEpochReport(epoch.report, declineHint));
    if (epoch.report.flagged.length > 0 && options.acceptFlags !== true) {
      const flags = epoch.report.organisations.flatMap((o) => o.flags.map((f) => `${o.org} ${f.code} (${f.detail})`));
      throw new MemberError(
        'EPOCH_FLAGGED',
        `${file}: the stake report flags ${flags.join('; ')}; not approved. Review it with the other members, then approve with --accept-flags, ` +
          'or leave it unapproved: without approvals from a majority of members it cannot be committed, and the current policy stays',
      );
    }
    const members = memberIds(await new Membership(this.#o).currentConfig());
    const missing = members.filter((m) => !Object.hasOwn(epoch.stakes, m));
    if (missing.length > 0) {
      throw new MemberError(
        'EPOCH_INVALID',
        `${file} weighs no stake for ${missing.join(', ')}, a member of the channel: every member has a seat; not approved`,
      );
    }
    const committed = await this.#chaincode.committed();
    const next = (committed?.sequence ?? 0) + 1;
    // A late member approves the committed sequence; Fabric refuses it if the definition differs.
    if (epoch.sequence !== next && epoch.sequence !== committed?.sequence) {
      throw new MemberError(
        'EPOCH_STALE',
        `${file} is for sequence ${String(epoch.sequence)}, but the committed definition is at ${String(committed?.sequence ?? 0)}: only sequence ${String(next)} can be approved; not approved`,
      );
    }
    const { org } = this.#o.member;
    const packageId = NetworkState.load(this.#o.member.home.layout.state).packageIds.get(org.name);
    if (packageId === undefined) {
      throw new MemberError('CHAINCODE_NOT_APPROVED', `${org.name} has not installed the chaincode: run chaincode-approve first`);
    }
    await this.#chaincode.approveDefinition(packageId, epoch.sequence, epoch.policy);
    this.#log(`${org.mspId} approved sequence ${String(epoch.sequence)}: ${epoch.policy}`);
    return epoch;
  }

  /**
   * Commits the epoch's definition once a majority approved it (endorsed by
   * the approving members' peers), then records the epoch as this member's
   * admin, endorsed by the approving members (their peers run the new definition).
   */
  async commit(file: string): Promise<{ readonly block: number; readonly recordTxId: string; readonly approving: readonly string[] }> {
    const epoch = readEpoch(file, this.#o.charter.channel);
    const { approving, txId } = await this.#chaincode.commitDefinition(epoch.sequence, epoch.policy);
    const connection = connectGateway({ org: this.#o.member.gatewayProfile(), identity: this.#o.member.gatewayProfile().admin });
    try {
      const network = connection.gateway.getNetwork(this.#o.charter.channel);
      const blockBytes = await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', this.#o.charter.channel, txId);
      const block = common.Block.deserializeBinary(blockBytes).getHeader()?.getNumber() ?? -1;
      const record = JSON.stringify({ sequence: epoch.sequence, block, compiled: JSON.parse(epoch.record) as unknown });
      const proposal = network
        .getContract(this.#o.charter.chaincode.name)
        .newProposal('RecordEpoch', { arguments: [record], endorsingOrganizations: [...approving] });
      const status = await (await (await proposal.endorse()).submit()).getStatus();
      if (!status.successful) {
        throw new Error(`RecordEpoch ${status.transactionId} failed validation with code ${String(status.code)}`);
      }
      this.#log(`committed sequence ${String(epoch.sequence)} in block ${String(block)}; recorded the epoch (transaction ${status.transactionId})`);
      return { block, recordTxId: status.transactionId, approving };
    } finally {
      connection.close();
    }
  }
}
