import type { Network } from '@hyperledger/fabric-gateway';
import { canonicalJson } from '@isl/chaincode';
import { parseEpochPolicyRecord, verifyEpochPolicyRecord } from '../stake/policy';
import { BlockReader, type DecodedBlock } from './block-reader';
import { orderingActivity, type AuditedOrderer, type OrdererActivity } from './ordering';

/** What the audit found for one member organisation. */
export interface OrganisationAudit {
  readonly mspId: string;
  /** Studies published by its sources (GetStake), now. */
  readonly stake: number;
  /** Transactions of the chaincode its peers endorsed (one per transaction, however many of its peers signed). */
  readonly endorsements: number;
  /** Of those, the ones every peer then invalidated, by validation code. */
  readonly endorsedInvalid: number;
  readonly endorsedInvalidByCode: Readonly<Record<string, number>>;
  /** Transactions its clients submitted (creator MSP). */
  readonly submitted: number;
  /**
   * Blocks, in the copy the audit read, signed by its orderer. Under Raft every
   * orderer signs the copy it writes, so this says which orderer served the
   * reading peer, not who cut the block: see `blocksCutAsLeader`.
   */
  readonly blocksSigned: number;
  readonly blocksSignedByOrderer: Readonly<Record<string, number>>;
  /** Blocks its orderer cut as Raft leader since that orderer last started (its metrics); null when unreachable. */
  readonly blocksCutAsLeader: number | null;
}

/** A chaincode definition commit seen in the blocks, with the epoch recorded for it if any. */
export interface EpochAudit {
  readonly block: number;
  readonly txId: string;
  readonly committedBy: string;
  readonly sequence: number | null;
  readonly policy: string | null;
  readonly stakes: Readonly<Record<string, number>> | null;
  /** Findings about the record (stake above the ledger's, policy not matching its record…); empty when it checks out. */
  readonly findings: readonly string[];
}

export interface AuditReport {
  readonly channel: string;
  readonly chaincode: string;
  /** Blocks read: [fromBlock, toBlock). */
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly transactions: number;
  readonly invalidTransactions: number;
  readonly organisations: readonly OrganisationAudit[];
  readonly epochs: readonly EpochAudit[];
  /** Each orderer's ordering activity from its operations metrics (when the audit was given orderers). */
  readonly ordering: readonly OrdererActivity[];
}

/** One epoch as the chaincode's ListEpochs returns it. */
export interface RecordedEpoch {
  readonly sequence: number;
  readonly block: number;
  readonly policy: string;
  readonly stakes: Readonly<Record<string, number>>;
  readonly compiled: unknown;
  readonly txId: string;
}

export interface AuditOptions {
  readonly network: Network;
  readonly chaincode: string;
  /** The organisations to report; default every MSP seen in the blocks or holding stake. */
  readonly members?: readonly string[];
  readonly fromBlock?: number;
  readonly toBlock?: number;
  /** Orderers whose operations metrics give Raft leadership figures (blocks cut, leader changes, failures). */
  readonly orderers?: readonly AuditedOrderer[];
  /** Checks an epoch record against a recompilation of its inputs; default verifyRecordedPolicy. */
  readonly verifyRecord?: (compiled: unknown) => string | undefined;
}

const decoder = new TextDecoder();

/**
 * The paper's node audit over the chain itself: reads every block through qscc
 * and counts, per organisation, endorsements given, endorsed transactions the
 * peers invalidated, and blocks its orderer signed; its orderers' Raft figures from their metrics; plus every change of the
 * chaincode definition (an epoch) checked against the epoch recorded for it.
 */
export async function auditLedger(options: AuditOptions): Promise<AuditReport> {
  const reader = new BlockReader(options.network);
  const contract = options.network.getContract(options.chaincode);
  const fromBlock = options.fromBlock ?? 0;
  const toBlock = options.toBlock ?? (await reader.height());
  const tally: Tally = new Map();
  const entry = (mspId: string): TallyEntry | undefined => {
    if (options.members !== undefined && !options.members.includes(mspId)) {
      return undefined;
    }
    let t = tally.get(mspId);
    if (!t) {
      t = { endorsements: 0, endorsedInvalid: 0, byCode: {}, submitted: 0, blocksSigned: 0, byOrderer: {} };
      tally.set(mspId, t);
    }
    return t;
  };
  for (const m of options.members ?? []) {
    entry(m);
  }
  let transactions = 0;
  let invalid = 0;
  const definitionCommits: { block: number; txId: string; committedBy: string }[] = [];
  for await (const block of reader.blocks(fromBlock, toBlock)) {
    countBlock(block, options.chaincode, entry, definitionCommits);
    for (const tx of block.transactions.filter((t) => t.chaincode === options.chaincode)) {
      transactions++;
      invalid += tx.validation === 'VALID' ? 0 : 1;
    }
  }
  const stakes = JSON.parse(decoder.decode(await contract.evaluateTransaction('GetStake', ''))) as { org: string; studies: number }[];
  const recorded = JSON.parse(decoder.decode(await contract.evaluateTransaction('ListEpochs'))) as RecordedEpoch[];
  const stakeOf = (mspId: string): number => stakes.find((s) => s.org === mspId)?.studies ?? 0;
  const epochs = definitionCommits.map((commit) => auditEpoch(commit, recorded, stakeOf, options.verifyRecord ?? verifyRecordedPolicy));
  const ordering = options.orderers === undefined ? [] : await orderingActivity(options.orderers, options.network.getName());
  return {
    channel: options.network.getName(),
    chaincode: options.chaincode,
    fromBlock,
    toBlock,
    transactions,
    invalidTransactions: invalid,
    organisations: [...new Set([...(options.members ?? []), ...tally.keys(), ...(options.members === undefined ? stakes.map((s) => s.org) : [])])]
      .sort()
      .map((mspId): OrganisationAudit => {
        const t = tally.get(mspId);
        return {
          mspId,
          stake: stakeOf(mspId),
          endorsements: t?.endorsements ?? 0,
          endorsedInvalid: t?.endorsedInvalid ?? 0,
          endorsedInvalidByCode: t?.byCode ?? {},
          submitted: t?.submitted ?? 0,
          blocksSigned: t?.blocksSigned ?? 0,
          blocksSignedByOrderer: t?.byOrderer ?? {},
          blocksCutAsLeader: ordering.some((a) => a.mspId === mspId)
            ? ordering
                .filter((a) => a.mspId === mspId)
                .reduce<number | null>((sum, a) => (sum === null || a.blocksCutAsLeader === null ? null : sum + a.blocksCutAsLeader), 0)
            : null,
        };
      }),
    epochs,
    ordering,
  };
}

/** One change of the chaincode definition against the epoch recorded for it: stated stakes and the compiled policy. */
function auditEpoch(
  commit: { block: number; txId: string; committedBy: string },
  recorded: readonly RecordedEpoch[],
  stakeOf: (mspId: string) => number,
  verifyRecord: (compiled: RecordedEpoch['compiled']) => string | undefined,
): EpochAudit {
  const record = recorded.find((r) => r.block === commit.block);
  if (!record) {
    return {
      ...commit,
      sequence: null,
      policy: null,
      stakes: null,
      findings: ['no epoch recorded for this definition (a channel policy, or RecordEpoch is missing)'],
    };
  }
  const findings: string[] = [];
  for (const [mspId, stated] of Object.entries(record.stakes)) {
    // Stake only grows (a study is never undefined), so a stated stake above today's was never true.
    if (stated > stakeOf(mspId)) {
      findings.push(`stated stake ${String(stated)} of ${mspId} exceeds its ledger stake ${String(stakeOf(mspId))}`);
    }
  }
  const mismatch = verifyRecord(record.compiled);
  if (mismatch !== undefined) {
    findings.push(mismatch);
  }
  return { ...commit, sequence: record.sequence, policy: record.policy, stakes: record.stakes, findings };
}

interface TallyEntry {
  endorsements: number;
  endorsedInvalid: number;
  byCode: Record<string, number>;
  submitted: number;
  blocksSigned: number;
  byOrderer: Record<string, number>;
}
type Tally = Map<string, TallyEntry>;

function countBlock(
  block: DecodedBlock,
  chaincode: string,
  entry: (mspId: string) => TallyEntry | undefined,
  definitionCommits: { block: number; txId: string; committedBy: string }[],
): void {
  if (block.signer) {
    const t = entry(block.signer.mspId);
    if (t) {
      t.blocksSigned++;
      const name = block.signer.name ?? block.signer.mspId;
      t.byOrderer[name] = (t.byOrderer[name] ?? 0) + 1;
    }
  }
  for (const tx of block.transactions) {
    if (tx.chaincode === '_lifecycle' && tx.fn === 'CommitChaincodeDefinition' && tx.validation === 'VALID') {
      definitionCommits.push({ block: block.number, txId: tx.txId, committedBy: tx.creator.mspId });
    }
    if (tx.chaincode !== chaincode) {
      continue;
    }
    const submitter = entry(tx.creator.mspId);
    if (submitter) {
      submitter.submitted++;
    }
    for (const mspId of new Set(tx.endorsers.map((e) => e.mspId))) {
      const t = entry(mspId);
      if (!t) {
        continue;
      }
      t.endorsements++;
      if (tx.validation !== 'VALID') {
        t.endorsedInvalid++;
        t.byCode[tx.validation] = (t.byCode[tx.validation] ?? 0) + 1;
      }
    }
  }
}

/** Recompiles an epoch record with the stake policy plugin; a finding when it does not verify. */
function verifyRecordedPolicy(compiled: unknown): string | undefined {
  try {
    verifyEpochPolicyRecord(parseEpochPolicyRecord(canonicalJson(compiled)));
    return undefined;
  } catch (err) {
    return `epoch record does not verify: ${err instanceof Error ? err.message : String(err)}`;
  }
}
