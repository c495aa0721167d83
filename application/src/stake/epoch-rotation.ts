import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '@isl/platform';
import { join } from 'node:path';
import {
  connectGateway,
  epochReport,
  organisationOf,
  type Consortium,
  type ConsortiumChaincode,
  type EpochReport,
  type GatewayConnection,
  type Organisation,
  type PreviousEpoch,
  type StakeActivity,
} from '@isl/network';
import { BlockReader } from '../audit/block-reader';
import { compileStakePolicy, epochPolicyRecordJson, MORE_THAN_HALF, parseEpochPolicyRecord, verifyEpochPolicyRecord, type StakeThreshold } from './policy';
import { readStakes } from './stake-reader';

/** The next chaincode definition an epoch moves to, shared by every organisation's approval. */
export interface EpochProposal {
  readonly sequence: number;
  /** The signature policy; undefined = the channel's default endorsement policy (MAJORITY Endorsement). */
  readonly policy: string | undefined;
  readonly stakes: Readonly<Record<string, number>>;
  /** The compiler's canonical isl.stake-policy/v1 record; null when moving back to the channel policy. */
  readonly record: string | null;
  readonly proposedAt: string;
  /** Stake changes since the last epoch and outliers, read with the stakes: what every admin reviews. */
  readonly report: EpochReport;
}

/** An organisation's explicit "no" to an open proposal: it does not approve (docs/stake-and-audit.md). */
export interface EpochRefusal {
  readonly mspId: string;
  readonly sequence: number;
  readonly reason: string;
  readonly refusedAt: string;
}

export interface PendingEpoch {
  readonly proposal: EpochProposal;
  /** MSP ID -> whether its admin approved this exact definition (checkcommitreadiness). */
  readonly approvals: Readonly<Record<string, boolean>>;
  /** MSP ID -> its refusal, for organisations that declined to approve. */
  readonly refusals: Readonly<Record<string, EpochRefusal>>;
}

export interface CommittedEpoch {
  readonly sequence: number;
  readonly policy: string;
  /** The block holding the lifecycle commit. */
  readonly block: number;
  /** The RecordEpoch transaction; undefined when no stake policy was recorded (channel policy restored). */
  readonly recordTxId: string | undefined;
}

/** What a rotation uses of the Consortium (structural, so tests can pass the network's own instance). */
export interface EpochConsortium extends Pick<Consortium, 'topology' | 'waitForSameHeight' | 'connectionProfile'> {
  readonly layout: { readonly root: string };
  /** Each organisation approves as its own admin, from its own home. */
  readonly chaincode: Pick<ConsortiumChaincode, 'approve' | 'approvals' | 'commit' | 'committed' | 'packageId'>;
}

export interface EpochRotationOptions {
  readonly consortium: EpochConsortium;
  readonly threshold?: StakeThreshold;
  /** A member with fewer studies still counts this much (docs/stake-policy.md). */
  readonly floorWeight?: number;
}

/** Raised when a step cannot proceed as asked; the message says what to do. */
export class EpochError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EpochError';
  }
}

/**
 * Moves the chaincode definition to a stake-weighted endorsement policy through
 * Fabric's lifecycle. The steps are separate because in a consortium each
 * organisation's admin approves on its own: propose (compile from the ledger's
 * stakes, once per sequence, kept in the run folder so every approval names the
 * identical policy), approve per organisation, commit, then RecordEpoch.
 */
export class EpochRotation {
  readonly #o: EpochRotationOptions;

  constructor(options: EpochRotationOptions) {
    this.#o = options;
  }

  get #dir(): string {
    return join(this.#o.consortium.layout.root, 'stake');
  }

  #proposalFile(sequence: number): string {
    return join(this.#dir, `proposal-${String(sequence)}.json`);
  }

  #refusalFile(sequence: number, mspId: string): string {
    return join(this.#dir, `refusal-${String(sequence)}-${mspId}.json`);
  }

  #refusals(sequence: number): Record<string, EpochRefusal> {
    const refusals: Record<string, EpochRefusal> = {};
    for (const mspId of this.#members()) {
      const file = this.#refusalFile(sequence, mspId);
      if (existsSync(file)) {
        refusals[mspId] = JSON.parse(readFileSync(file, 'utf8')) as EpochRefusal;
      }
    }
    return refusals;
  }

  #members(): string[] {
    return this.#o.consortium.topology.organisations.map((o) => o.mspId);
  }

  #organisation(mspIdOrName: string): Organisation {
    const org = this.#o.consortium.topology.organisations.find((o) => o.mspId === mspIdOrName || o.name === mspIdOrName);
    if (!org) {
      throw new EpochError(`no organisation ${mspIdOrName} (have: ${this.#members().join(', ')})`);
    }
    return org;
  }

  /** A gateway connection to the organisation's peer, as its admin or its client identity. */
  connect(mspId: string, as: 'admin' | 'client' = 'client'): GatewayConnection {
    const org = organisationOf(this.#o.consortium.connectionProfile(), mspId);
    return connectGateway({ org, identity: as === 'admin' ? org.admin : org.client });
  }

  async #nextSequence(): Promise<number> {
    const committed = await this.#o.consortium.chaincode.committed();
    if (!committed) {
      throw new EpochError('no chaincode definition is committed yet: start the network first');
    }
    return committed.sequence + 1;
  }

  /** The organisations' stakes read from the ledger now. */
  async stakes(): Promise<Record<string, number>> {
    const [first] = this.#members();
    if (first === undefined) {
      throw new EpochError('the topology has no organisation');
    }
    const conn = this.connect(first);
    try {
      return await readStakes(
        conn.gateway.getNetwork(this.#o.consortium.topology.channel).getContract(this.#o.consortium.topology.chaincode.name),
        this.#members(),
      );
    } finally {
      conn.close();
    }
  }

  /**
   * Each member's stake now and at the last recorded epoch, the use of the studies added since,
   * and the outliers (epoch-report.ts). Read from the ledger: GetStake, ListEpochs, GetStakeActivity.
   */
  async report(): Promise<EpochReport> {
    const members = this.#members();
    const [first] = members;
    if (first === undefined) {
      throw new EpochError('the topology has no organisation');
    }
    const conn = this.connect(first);
    try {
      const contract = conn.gateway.getNetwork(this.#o.consortium.topology.channel).getContract(this.#o.consortium.topology.chaincode.name);
      const decoder = new TextDecoder();
      const stakes = await readStakes(contract, members);
      const epochs = JSON.parse(decoder.decode(await contract.evaluateTransaction('ListEpochs'))) as PreviousEpoch[];
      const previous = epochs.at(-1);
      const activity = JSON.parse(decoder.decode(await contract.evaluateTransaction('GetStakeActivity', previous?.recordedAt ?? ''))) as StakeActivity[];
      return epochReport({ previous, stakes, activity });
    } finally {
      conn.close();
    }
  }

  /** The open proposal for the next sequence, if one was made. */
  async current(): Promise<EpochProposal | undefined> {
    const file = this.#proposalFile(await this.#nextSequence());
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EpochProposal) : undefined;
  }

  /**
   * The proposal for the next sequence: the open one, or a new one compiled from
   * the ledger's stakes (`channelPolicy` proposes the channel's default instead).
   */
  async propose(options: { readonly channelPolicy?: boolean } = {}): Promise<EpochProposal> {
    const sequence = await this.#nextSequence();
    const open = await this.current();
    if (open) {
      return open;
    }
    // One read for both, so the policy is compiled from exactly the stakes the report shows.
    const report = await this.report();
    const stakes = Object.fromEntries(report.organisations.map((o) => [o.org, o.after]));
    let proposal: EpochProposal;
    if (options.channelPolicy === true) {
      proposal = { sequence, policy: undefined, stakes, record: null, proposedAt: new Date().toISOString(), report };
    } else {
      const compiled = compileStakePolicy({ stakes, threshold: this.#o.threshold ?? MORE_THAN_HALF, floorWeight: this.#o.floorWeight ?? 1 });
      proposal = { sequence, policy: compiled.policy, stakes, record: epochPolicyRecordJson(compiled, sequence), proposedAt: new Date().toISOString(), report };
    }
    writeFileAtomic(this.#proposalFile(sequence), `${JSON.stringify(proposal, null, 2)}\n`);
    return proposal;
  }

  async #openProposal(): Promise<EpochProposal> {
    const proposal = await this.current();
    if (!proposal) {
      throw new EpochError(`no open epoch proposal for sequence ${String(await this.#nextSequence())}: run isl stake epoch --approve-only --org <org> first`);
    }
    if (proposal.record !== null) {
      // Every admin approves exactly the compiler's output for the recorded inputs.
      const compiled = verifyEpochPolicyRecord(parseEpochPolicyRecord(proposal.record));
      if (compiled.policy !== proposal.policy) {
        throw new EpochError('the proposal file was altered: its policy is not the compilation of its record');
      }
    }
    return proposal;
  }

  /** One organisation's admin approves the open proposal (proposing it first if none is open). */
  async approve(mspIdOrName: string): Promise<EpochProposal> {
    await this.propose();
    const proposal = await this.#openProposal();
    const org = this.#organisation(mspIdOrName);
    const packageId = this.#o.consortium.chaincode.packageId(org);
    if (packageId === undefined) {
      throw new EpochError(`no chaincode package ID for ${org.name}: its member has not installed the chaincode`);
    }
    await this.#o.consortium.chaincode.approve(org, packageId, proposal.sequence, proposal.policy);
    // Approving withdraws an earlier refusal of the same proposal.
    rmSync(this.#refusalFile(proposal.sequence, org.mspId), { force: true });
    return proposal;
  }

  /**
   * One organisation declines the open proposal: it does not approve, and says why. Fabric's
   * lifecycle commits a definition only with approvals from a majority of organisations
   * (LifecycleEndorsement), so a majority refusing stops the epoch whatever any operator does;
   * this tool also commits only when every organisation approved.
   */
  async refuse(mspIdOrName: string, reason: string): Promise<EpochRefusal> {
    const proposal = await this.#openProposal();
    const org = this.#organisation(mspIdOrName);
    const approvals = await this.#o.consortium.chaincode.approvals(proposal.sequence, proposal.policy);
    if (approvals[org.mspId] === true) {
      throw new EpochError(`${org.mspId} already approved sequence ${String(proposal.sequence)}; an approval stands until the definition commits`);
    }
    const refusal: EpochRefusal = { mspId: org.mspId, sequence: proposal.sequence, reason, refusedAt: new Date().toISOString() };
    const file = this.#refusalFile(proposal.sequence, org.mspId);
    writeFileAtomic(file, `${JSON.stringify(refusal, null, 2)}\n`);
    return refusal;
  }

  /** The open proposal and which organisations approved it; undefined when none is open. */
  async pending(): Promise<PendingEpoch | undefined> {
    const proposal = await this.current();
    if (!proposal) {
      return undefined;
    }
    return {
      proposal,
      approvals: await this.#o.consortium.chaincode.approvals(proposal.sequence, proposal.policy),
      refusals: this.#refusals(proposal.sequence),
    };
  }

  /**
   * Commits the open proposal once every organisation approved (each must, or
   * its peers stop running the chaincode), then records the epoch on the ledger
   * as the committing organisation's admin.
   */
  async commit(committer?: string): Promise<CommittedEpoch> {
    const proposal = await this.#openProposal();
    const approvals = await this.#o.consortium.chaincode.approvals(proposal.sequence, proposal.policy);
    const missing = Object.entries(approvals)
      .filter(([, ok]) => !ok)
      .map(([mspId]) => mspId);
    if (missing.length > 0) {
      const refusals = Object.values(this.#refusals(proposal.sequence)).map((r) => `${r.mspId} (${r.reason})`);
      throw new EpochError(
        `sequence ${String(proposal.sequence)} still awaits approval by ${missing.join(', ')}${refusals.length > 0 ? `; refused by ${refusals.join(', ')}` : ''}`,
      );
    }
    const mspId = committer === undefined ? (this.#members()[0] ?? '') : this.#organisation(committer).mspId;
    const conn = this.connect(mspId, 'admin');
    try {
      const network = conn.gateway.getNetwork(this.#o.consortium.topology.channel);
      const reader = new BlockReader(network);
      const before = await reader.height();
      await this.#o.consortium.chaincode.commit(proposal.sequence, proposal.policy);
      const block = await this.#findDefinitionCommit(reader, before);
      await this.#o.consortium.waitForSameHeight(60_000, block + 1);
      rmSync(this.#proposalFile(proposal.sequence), { force: true });
      const committed = await this.#o.consortium.chaincode.committed();
      let recordTxId: string | undefined;
      if (proposal.record !== null) {
        const epoch = JSON.stringify({ sequence: proposal.sequence, block, compiled: JSON.parse(proposal.record) as unknown });
        const contract = network.getContract(this.#o.consortium.topology.chaincode.name);
        const submitted = await contract.submitAsync('RecordEpoch', { arguments: [epoch] });
        const status = await submitted.getStatus();
        if (!status.successful) {
          throw new EpochError(`RecordEpoch ${status.transactionId} failed validation with code ${String(status.code)}`);
        }
        recordTxId = status.transactionId;
      }
      return { sequence: proposal.sequence, policy: committed?.endorsementPolicy ?? proposal.policy ?? '', block, recordTxId };
    } finally {
      conn.close();
    }
  }

  /**
   * Propose, approve as every organisation's admin, commit and record: one whole epoch. It stops
   * before approving when the report flags an organisation (unless acceptFlagged) or one refused:
   * approving for everyone must not wave through what a reviewer would question.
   */
  async rotate(options: { readonly channelPolicy?: boolean; readonly acceptFlagged?: boolean } = {}): Promise<CommittedEpoch> {
    const proposal = await this.propose(options);
    // Moving back to the channel policy weighs no stake, so there is nothing to review.
    if (proposal.policy !== undefined && options.acceptFlagged !== true && proposal.report.flagged.length > 0) {
      throw new EpochError(
        `the stake report flags ${proposal.report.flagged.join(', ')}: review it (isl stake epoch --review), then approve with --accept-flagged or decline with --refuse`,
      );
    }
    const refused = Object.keys(this.#refusals(proposal.sequence));
    if (refused.length > 0) {
      throw new EpochError(`sequence ${String(proposal.sequence)} was refused by ${refused.join(', ')}: not approving on their behalf`);
    }
    for (const org of this.#o.consortium.topology.organisations) {
      await this.approve(org.mspId);
    }
    return this.commit();
  }

  /** The block of the valid _lifecycle CommitChaincodeDefinition at or after `from`. */
  async #findDefinitionCommit(reader: BlockReader, from: number): Promise<number> {
    for await (const block of reader.blocks(from)) {
      if (block.transactions.some((t) => t.chaincode === '_lifecycle' && t.fn === 'CommitChaincodeDefinition' && t.validation === 'VALID')) {
        return block.number;
      }
    }
    throw new EpochError(`no valid lifecycle commit found in the blocks from ${String(from)}`);
  }
}
