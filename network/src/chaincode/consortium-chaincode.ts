import type { Organisation } from '../topology/topology';
import type { ChaincodeDeployment, CommittedDefinition, EndorsingPeer } from './deployment';

/** One member's side of the lifecycle: its organisation, its deployment (its own admin, its own peers) and the package it installed. */
export interface MemberLifecycle {
  readonly org: Organisation;
  readonly deployment: ChaincodeDeployment;
  packageId(): string | undefined;
}

/**
 * The chaincode lifecycle of the local consortium, where each member acts from
 * its own home: an organisation approves as its own admin on its own peer; the
 * first member reads readiness and commits, endorsed by one peer of every
 * member (the others' reached through the bundles it holds).
 */
export class ConsortiumChaincode {
  readonly #members: readonly MemberLifecycle[];
  readonly #endorsers: () => readonly EndorsingPeer[];

  constructor(members: readonly MemberLifecycle[], endorsers: () => readonly EndorsingPeer[]) {
    this.#members = members;
    this.#endorsers = endorsers;
  }

  #of(org: Pick<Organisation, 'name'>): MemberLifecycle {
    const member = this.#members.find((m) => m.org.name === org.name);
    if (!member) {
      throw new Error(`no member ${org.name} in the consortium`);
    }
    return member;
  }

  get #first(): MemberLifecycle {
    const [first] = this.#members;
    if (!first) {
      throw new Error('a consortium without members');
    }
    return first;
  }

  /** The package ID the organisation installed on its peers (kept in its home), undefined before it installed one. */
  packageId(org: Pick<Organisation, 'name'>): string | undefined {
    return this.#of(org).packageId();
  }

  async approve(org: Organisation, packageId: string, sequence: number, policy?: string): Promise<void> {
    await this.#of(org).deployment.approve(org, packageId, sequence, policy);
  }

  async approvals(sequence: number, policy?: string): Promise<Record<string, boolean>> {
    return this.#first.deployment.approvals(sequence, policy);
  }

  async commit(sequence: number, policy?: string): Promise<void> {
    await this.#first.deployment.commit(sequence, policy, this.#endorsers());
  }

  /** The committed definition as the organisation's peer (default: the first member's) reports it. */
  async committed(org?: Organisation): Promise<CommittedDefinition | undefined> {
    return this.#of(org ?? this.#first.org).deployment.committed(org);
  }
}
