import { ChaincodeDeployment, type CommittedDefinition, type EndorsingPeer } from '../chaincode/deployment';
import { NetworkState } from '../state';
import type { Charter } from './charter';
import type { Member } from './member';
import { MemberError } from './member-error';

/** How the committed definition names the channel's own endorsement policy (what a definition without one gets). */
const channelEndorsement = '/Channel/Application/Endorsement';

/**
 * The chaincode lifecycle as one member on its own host: it packages and
 * installs on its own peers, runs their chaincode servers and approves the
 * definition with its own admin; any member commits once a majority approved.
 */
export class MemberChaincode {
  readonly #member: Member;
  readonly #charter: Charter;
  readonly #deployment: ChaincodeDeployment;
  readonly #log: (message: string) => void;

  constructor(options: { readonly member: Member; readonly charter: Charter; readonly log?: (message: string) => void }) {
    const { member, charter } = options;
    this.#member = member;
    this.#charter = charter;
    this.#log = options.log ?? (() => undefined);
    this.#deployment = new ChaincodeDeployment({
      layout: member.home.layout,
      topology: { channel: charter.channel, chaincode: charter.chaincode, logging: member.config.logging, organisations: [member.org] },
      supervisor: member.supervisor,
      peers: new Map(member.peers.map((p) => [p.node.name, p])),
      orderers: [member.orderer],
    });
  }

  /** The lifecycle commands as this member's admin, on its own peers (the local consortium's stake epochs use it). */
  get deployment(): ChaincodeDeployment {
    return this.#deployment;
  }

  /** Starts the chaincode servers of the package this member installed, if it installed one (after a restart). */
  async startServers(): Promise<void> {
    const ids = NetworkState.load(this.#member.home.layout.state).packageIds;
    if (ids.has(this.#member.org.name)) {
      await this.#deployment.startServers(ids);
    }
  }

  /**
   * Installs the chaincode on this member's peers, starts their servers and
   * approves the definition as this member's admin: the committed one when the
   * charter's version is committed already (a member that joined later), else
   * the next sequence. Harmless when already approved.
   */
  async approve(): Promise<{ readonly sequence: number; readonly packageId: string }> {
    const { org } = this.#member;
    const ids = await this.#deployment.install();
    NetworkState.load(this.#member.home.layout.state).setPackageIds(ids);
    const packageId = ids.get(org.name);
    if (packageId === undefined) {
      throw new Error(`no package installed for ${org.name}`);
    }
    await this.#deployment.startServers(ids);
    const committed = await this.#deployment.committed();
    const current = committed?.version === this.#charter.chaincode.version ? committed : undefined;
    const sequence = current ? current.sequence : (committed?.sequence ?? 0) + 1;
    // A later member approves exactly what is committed, endorsement policy included.
    const policy = current && current.endorsementPolicy !== channelEndorsement ? current.endorsementPolicy : undefined;
    if ((await this.#deployment.approvedPackage(org, sequence)) === packageId) {
      this.#log(`${org.mspId} approved ${this.#deployment.label} at sequence ${String(sequence)} already`);
    } else {
      this.#log(`approving ${this.#deployment.label} at sequence ${String(sequence)} as ${org.mspId}'s admin`);
      await this.#deployment.approve(org, packageId, sequence, policy);
    }
    return { sequence, packageId };
  }

  /** The committed definition of the charter's chaincode, if any. */
  async committed(): Promise<CommittedDefinition | undefined> {
    return this.#deployment.committed();
  }

  /** Approves a definition of the charter's chaincode (a stake epoch's sequence and policy) as this member's admin. */
  async approveDefinition(packageId: string, sequence: number, policy: string | undefined): Promise<void> {
    const { org } = this.#member;
    this.#log(`approving ${this.#deployment.label} at sequence ${String(sequence)} as ${org.mspId}'s admin`);
    await this.#deployment.approve(org, packageId, sequence, policy);
  }

  /**
   * Commits the charter's definition once a majority of the channel's members
   * approved it, endorsed by a peer of each approving member; refuses before
   * that (CHAINCODE_NOT_APPROVED, naming who approved). Harmless once committed.
   */
  async commit(): Promise<CommittedDefinition> {
    const committed = await this.#deployment.committed();
    if (committed?.version === this.#charter.chaincode.version) {
      this.#log(`${this.#deployment.label} is committed already (sequence ${String(committed.sequence)})`);
      return committed;
    }
    await this.commitDefinition((committed?.sequence ?? 0) + 1, undefined);
    const now = await this.#deployment.committed();
    if (!now) {
      throw new Error(`${this.#deployment.label}: committed, but the peer does not report it`);
    }
    return now;
  }

  /**
   * Commits the definition at `sequence` with `policy` once a majority of the
   * channel's members approved exactly it (CHAINCODE_NOT_APPROVED before),
   * endorsed by a peer of each approving member. Returns who approved and the commit's transaction.
   */
  async commitDefinition(sequence: number, policy: string | undefined): Promise<{ readonly approving: readonly string[]; readonly txId: string }> {
    const approvals = await this.#deployment.approvals(sequence, policy);
    const members = Object.keys(approvals).sort();
    const approving = members.filter((id) => approvals[id] === true);
    if (approving.length * 2 <= members.length) {
      throw new MemberError(
        'CHAINCODE_NOT_APPROVED',
        `${this.#deployment.label} at sequence ${String(sequence)} is approved by ${String(approving.length)} of ${String(members.length)} members (${approving.join(', ') || 'none'}); a majority must approve before it is committed`,
      );
    }
    this.#log(`committing ${this.#deployment.label} at sequence ${String(sequence)}, approved by ${approving.join(', ')}`);
    const txId = await this.#deployment.commit(
      sequence,
      policy,
      approving.map((id) => this.#endorser(id)),
    );
    return { approving, txId };
  }

  /** The peer that endorses the commit for a member: this member's first, another's first anchor peer (from its bundle). */
  #endorser(mspId: string): EndorsingPeer {
    const [own] = this.#member.peers;
    if (mspId === this.#member.org.mspId && own) {
      return { endpoint: own.node.endpoint, tlsCaCert: own.tls.tlsCa };
    }
    const bundle = this.#member.heldBundles().get(mspId);
    const [anchor] = bundle?.anchorPeers ?? [];
    if (!bundle || !anchor) {
      throw new MemberError('BUNDLE_MISSING', `${mspId} approved, but this home holds no bundle of it: import it to reach its peers`);
    }
    this.#member.channelMember(bundle);
    return { endpoint: anchor, tlsCaCert: this.#member.home.memberMaterial(mspId).tlsCaCert };
  }
}
