import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { IdentityFiles } from './ca/identity';
import { ConsortiumChaincode } from './chaincode/consortium-chaincode';
import type { CommittedDefinition, EndorsingPeer } from './chaincode/deployment';
import { writeConnectionProfile, type ConnectionProfile } from './connection-profile';
import type { FabricHome } from './fabric-home';
import { Layout } from './layout';
import { charterFormat, loadCharter, type Charter } from './member/charter';
import { Founding } from './member/found';
import { Member } from './member/member';
import { MemberChaincode } from './member/member-chaincode';
import { memberConfigFormat, type MemberConfig } from './member/member-config';
import { MemberHome } from './member/member-home';
import type { Orderer } from './node/orderer';
import type { Peer } from './node/peer';
import { reportProcesses, type ProcessReport } from './process/process-report';
import { type Placement, Supervisor } from './process/supervisor';
import { SupervisorSet } from './process/supervisor-set';
import { pinnedNodeVersion } from './runtime/project-node';
import { waitFor } from './process/wait';
import { NetworkState } from './state';
import { address, type Organisation, type Topology } from './topology/topology';
import { assertPortsFree } from './topology/ports';
export interface ConsortiumOptions {
  readonly topology: Topology;
  readonly fabric: FabricHome;
  /** The network's run folder (git-ignored), e.g. .run/consortium. */
  readonly runDir: string;
  readonly log?: (message: string) => void;
  /**
   * Each organisation's host (by organisation name), when its member does not
   * run on this machine's own network (the fault harness's test hosts): its
   * processes are started there. The topology must then name the hosts' addresses.
   */
  readonly placements?: ReadonlyMap<string, Placement>;
}

export interface NetworkStatus {
  readonly orderers: { name: string; org: string; address: string; consenter: boolean; leader: boolean; height: number | null }[];
  readonly peers: { name: string; org: string; address: string; height: number | null }[];
  readonly chaincode: { name: string; version: string | null; sequence: number | null; endorsementPolicy: string | null };
  /** Every process of the run folder (network and application services), with the binary and Node version it runs. */
  readonly processes: ProcessReport[];
  /** The Node version every Node process must run (.node-version). */
  readonly projectNode: string;
}

/** The home of an organisation of the local consortium: its own folder under the run folder, as `member init` makes it on a host. */
export function memberHomeOf(runDir: string, org: string): string {
  return join(runDir, 'members', org);
}

/** The charter the local consortium's founders agree on: the topology's channel, ordering and chaincode, every organisation a founder. */
export function charterOf(topology: Topology): Charter {
  return {
    format: charterFormat,
    channel: topology.channel,
    orderer: topology.orderer,
    chaincode: topology.chaincode,
    founders: topology.organisations.map((o) => o.mspId),
  };
}

/** A member's description of itself from its place in the topology: its nodes on loopback, from its share of the ports. */
function memberConfigOf(org: Organisation, logging: Topology['logging']): MemberConfig {
  return {
    format: memberConfigFormat,
    organisation: { name: org.name, mspId: org.mspId, description: org.description, peers: org.peers.length },
    address: org.ca.endpoint.host,
    basePort: org.ca.endpoint.port,
    logging,
  };
}

/** The members' nodes and lifecycles, made once their homes hold each other's bundles. */
interface Parts {
  readonly orderers: readonly Orderer[];
  readonly peers: ReadonlyMap<string, Peer>;
  readonly chaincode: ConsortiumChaincode;
}

/**
 * The local consortium (what `npm start` and the integration tests run): one
 * member per organisation of the topology, each with its own home under
 * `<runDir>/members/<org>` holding only its own private keys, built with the
 * members' own steps on loopback — init, bundle exchange, founding (one
 * proposes the genesis block, each verifies it and joins), chaincode approved
 * by each member's admin and committed once a majority approved. This class
 * only orchestrates: what passes between members are files under
 * `<runDir>/exchange` (bundles, charter, genesis block).
 */
export class Consortium {
  readonly topology: Topology;
  /** The run folder's own files: the consortium's state (phases done), the connection profile, the exchanged files, stake proposals. */
  readonly layout: Layout;
  /** Every member's processes, each supervised from its own home. */
  readonly supervisor: SupervisorSet;
  readonly #homes: ReadonlyMap<string, MemberHome>;
  readonly #members = new Map<string, Member>();
  #parts: Parts | undefined;
  readonly #fabric: FabricHome;
  readonly #log: (message: string) => void;
  readonly #placements: ReadonlyMap<string, Placement>;

  constructor(options: ConsortiumOptions) {
    this.topology = options.topology;
    this.#fabric = options.fabric;
    this.layout = new Layout(options.runDir);
    this.#log = options.log ?? (() => undefined);
    this.#placements = options.placements ?? new Map();
    this.#homes = new Map(this.topology.organisations.map((o) => [o.name, new MemberHome(memberHomeOf(options.runDir, o.name))]));
    this.supervisor = new SupervisorSet(new Map([...this.#homes].map(([org, home]) => [org, new Supervisor(home.layout, this.#placements.get(org))])));
  }

  /** The home of the organisation's member (its CA, identities, nodes' data, logs and pids). */
  home(org: string): MemberHome {
    const home = this.#homes.get(org);
    if (!home) {
      throw new Error(`no organisation ${org} in the consortium (have: ${[...this.#homes.keys()].join(', ')})`);
    }
    return home;
  }

  /** Each organisation's member, its home described (member.yaml) on first use. */
  get members(): Member[] {
    return this.topology.organisations.map((org) => {
      let member = this.#members.get(org.name);
      if (!member) {
        const home = this.home(org.name);
        Member.create(home, memberConfigOf(org, this.topology.logging));
        member = new Member({
          home,
          fabric: this.#fabric,
          placement: this.#placements.get(org.name),
          log: (m) => {
            this.#log(`${org.name}: ${m}`);
          },
        });
        this.#members.set(org.name, member);
      }
      return member;
    });
  }

  get orderers(): readonly Orderer[] {
    return this.#nodes().orderers;
  }

  get peers(): ReadonlyMap<string, Peer> {
    return this.#nodes().peers;
  }

  /** The chaincode lifecycle, each organisation acting as its own admin from its own home. */
  get chaincode(): ConsortiumChaincode {
    return this.#nodes().chaincode;
  }

  #nodes(): Parts {
    if (!this.#parts) {
      const members = this.members;
      const charter = charterOf(this.topology);
      const lifecycles = members.map((member) => ({
        org: member.org,
        deployment: new MemberChaincode({ member, charter }).deployment,
        packageId: () => NetworkState.load(member.home.layout.state).packageIds.get(member.org.name),
      }));
      this.#parts = {
        orderers: members.map((m) => m.orderer),
        peers: new Map(members.flatMap((m) => m.peers.map((p) => [p.node.name, p] as const))),
        chaincode: new ConsortiumChaincode(lifecycles, () => this.#commitEndorsers()),
      };
    }
    return this.#parts;
  }

  /** One peer per member, as the first member (which commits) reaches them: its own, the others' anchor peers from their bundles. */
  #commitEndorsers(): EndorsingPeer[] {
    const [first, ...others] = this.members;
    const [own] = first?.peers ?? [];
    if (!first || !own) {
      throw new Error('a consortium without members');
    }
    const held = first.heldBundles();
    return [
      { endpoint: own.node.endpoint, tlsCaCert: own.tls.tlsCa },
      ...others.map((m): EndorsingPeer => {
        const bundle = held.get(m.org.mspId);
        const [anchor] = bundle?.anchorPeers ?? [];
        if (!bundle || !anchor) {
          throw new Error(`${first.org.name} holds no bundle of ${m.org.mspId}`);
        }
        first.channelMember(bundle);
        return { endpoint: anchor, tlsCaCert: first.home.memberMaterial(m.org.mspId).tlsCaCert };
      }),
    ];
  }

  /** Every process name the network runs, in start order. */
  get processNames(): string[] {
    return [
      ...this.topology.organisations.map((o) => o.ca.name),
      ...this.topology.organisations.map((o) => o.orderer.name),
      ...this.topology.organisations.flatMap((o) => o.peers.map((p) => p.name)),
      ...this.topology.organisations.flatMap((o) => o.peers.map((p) => `chaincode.${p.name}`)),
    ];
  }

  /**
   * Brings the network up with the members' own steps. A first start inits
   * every member, exchanges the bundles, founds the channel and deploys the
   * chaincode; a later start (after stop) only starts the processes. Harmless
   * while running. Every wait is bounded and names its node.
   */
  async up(): Promise<void> {
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    if (this.#placements.size === 0 && !this.supervisor.names().some((n) => this.supervisor.isRunning(n))) {
      // Nothing of ours runs: every port must be free, or a stranger would answer our readiness checks.
      // (On hosts of their own the ports are the hosts' addresses, which this machine's network cannot bind.)
      await assertPortsFree(this.topology);
    }
    const members = this.members;
    this.#log('each member initialises its own home: its CA, the identities enrolled through it, its public bundle');
    await Promise.all(members.map((m) => m.init()));
    this.#exchangeBundles(members);
    this.#log('each member starts its orderer and peers, trusting the TLS CAs of the bundles it holds');
    await Promise.all(members.map((m) => m.start()));
    const charter = this.#agreeCharter();
    if (!NetworkState.load(this.layout.state).isDone('channel')) {
      await this.#found(members, charter);
      NetworkState.load(this.layout.state).markDone('channel');
    }
    await this.waitForLeader();
    await this.#waitForChannel();
    await this.#deployChaincode(members, charter);
    await waitFor('the chaincode definition to be committed', async () => (await this.chaincode.committed()) !== undefined, { timeoutMs: 60_000 });
    await this.waitForSameHeight();
    await this.waitForGossip();
    writeConnectionProfile(this.layout.connectionProfile, this.connectionProfile());
  }

  get #exchange(): string {
    return join(this.layout.root, 'exchange');
  }

  /** Members hand each other only their public bundles, as files; each imports the others' (checked, no private key). */
  #exchangeBundles(members: readonly Member[]): void {
    const dir = join(this.#exchange, 'bundles');
    mkdirSync(dir, { recursive: true });
    const sent = members.map((m) => {
      const file = join(dir, `${m.org.mspId}.json`);
      copyFileSync(m.home.exportedBundle, file);
      return { mspId: m.org.mspId, file };
    });
    for (const m of members) {
      for (const bundle of sent.filter((b) => b.mspId !== m.org.mspId)) {
        m.importBundle(bundle.file);
      }
    }
    // The nodes trust the bundles' TLS CAs: made afresh from what the homes hold now.
    this.#parts = undefined;
  }

  /** The charter as a file every founder reads (channel, ordering, chaincode, founders). */
  #agreeCharter(): Charter {
    const file = join(this.#exchange, 'charter.yaml');
    writeFileSync(file, stringify(charterOf(this.topology)));
    return loadCharter(file);
  }

  /** The first member proposes the genesis block from the founders' bundles; each founder verifies it against its own and joins. */
  async #found(members: readonly Member[], charter: Charter): Promise<void> {
    const [proposer] = members;
    if (!proposer) {
      throw new Error('a consortium without members');
    }
    const block = join(this.#exchange, `${charter.channel}.genesis.block`);
    this.#log(`${proposer.org.mspId} proposes the genesis block of ${charter.channel}; each founder verifies it and joins its orderer and peers`);
    const step = (member: Member): Founding =>
      new Founding({
        member,
        fabric: this.#fabric,
        charter,
        log: (m) => {
          this.#log(`${member.org.name}: ${m}`);
        },
      });
    await step(proposer).propose(block);
    for (const m of members) {
      await step(m).join(block);
    }
  }

  async #waitForChannel(): Promise<void> {
    const { channel } = this.topology;
    await Promise.all(
      [...this.peers.values()].map((p) =>
        waitFor(`${p.node.name} to have channel ${channel}`, async () => (await p.height(channel)) !== undefined, {
          timeoutMs: 60_000,
          hint: `see ${this.supervisor.logOf(p.node.name)}`,
        }),
      ),
    );
  }

  /** Each member installs and approves as its own admin; the first commits once a majority approved. On a later start, only the servers start. */
  async #deployChaincode(members: readonly Member[], charter: Charter): Promise<void> {
    const lifecycles = members.map(
      (member) =>
        new MemberChaincode({
          member,
          charter,
          log: (m) => {
            this.#log(`${member.org.name}: ${m}`);
          },
        }),
    );
    if (NetworkState.load(this.layout.state).isDone('chaincode')) {
      await Promise.all(lifecycles.map((l) => l.startServers()));
      return;
    }
    this.#log(`each member installs ${charter.chaincode.name} as a service on its peers and approves it as its own admin`);
    for (const l of lifecycles) {
      await l.approve();
    }
    await lifecycles[0]?.commit();
    NetworkState.load(this.layout.state).markDone('chaincode');
  }

  async #waitHealthy(name: string, check: () => Promise<boolean>): Promise<void> {
    await waitFor(`${name} to report healthy on /healthz`, async () => this.supervisor.isRunning(name) && (await check()), {
      timeoutMs: 60_000,
      hint: `see ${this.supervisor.logOf(name)}`,
    });
  }

  /** Waits until exactly one running orderer says it is the channel's Raft leader; returns it. */
  async waitForLeader(timeoutMs = 60_000): Promise<Orderer> {
    return waitFor(
      `a Raft leader on channel ${this.topology.channel}`,
      async () => {
        const running = this.orderers.filter((o) => this.supervisor.isRunning(o.node.name));
        const flags = await Promise.all(running.map((o) => o.isLeader(this.topology.channel).catch(() => false)));
        const leaders = running.filter((_, i) => flags[i]);
        return leaders.length === 1 && leaders[0] ? leaders[0] : false;
      },
      { timeoutMs, hint: `see the logs under ${join(this.layout.root, 'members', '<org>', 'logs')}` },
    );
  }

  /**
   * Waits until every peer's gossip knows every other peer on the channel: the
   * gateways' discovery (which plans endorsements across organisations) needs it.
   */
  async waitForGossip(timeoutMs = 90_000): Promise<void> {
    const channel = this.topology.channel;
    const others = this.peers.size - 1;
    await Promise.all(
      [...this.peers.values()].map((p) =>
        waitFor(`${p.node.name} to know the other ${String(others)} peers of ${channel} through gossip`, async () => (await p.knownPeers(channel)) >= others, {
          timeoutMs,
          hint: `see ${this.supervisor.logOf(p.node.name)}`,
        }),
      ),
    );
  }

  /** Waits until every running peer reports the same ledger height; returns it. */
  async waitForSameHeight(timeoutMs = 60_000, atLeast = 1): Promise<number> {
    const channel = this.topology.channel;
    return waitFor(
      `every peer to reach the same height on ${channel}`,
      async () => {
        const running = [...this.peers.values()].filter((p) => this.supervisor.isRunning(p.node.name));
        const heights = await Promise.all(running.map((p) => p.height(channel)));
        const first = heights[0];
        return first !== undefined && first >= atLeast && heights.every((h) => h === first) ? first : false;
      },
      { timeoutMs, hint: `see the logs under ${join(this.layout.root, 'members', '<org>', 'logs')}` },
    );
  }

  /** Starts one orderer or peer again (after a failure test killed it) and waits until it is healthy. */
  async restartNode(name: string): Promise<void> {
    const orderer = this.orderers.find((o) => o.node.name === name);
    const peer = this.peers.get(name);
    if (orderer) {
      orderer.start();
      await this.#waitHealthy(name, () => orderer.healthy());
    } else if (peer) {
      peer.start();
      await this.#waitHealthy(name, () => peer.healthy());
      const channel = this.topology.channel;
      const others = this.peers.size - 1;
      await waitFor(`${name} to rejoin gossip with the other ${String(others)} peers`, async () => (await peer.knownPeers(channel)) >= others, {
        timeoutMs: 90_000,
        hint: `see ${this.supervisor.logOf(name)}`,
      });
    } else {
      throw new Error(`no orderer or peer named ${name}`);
    }
  }

  /**
   * Stops every process started in this run folder, tier by tier: application
   * services, chaincode servers, peers, orderers, CAs.
   */
  async stop(): Promise<void> {
    const own = this.processNames;
    const tiers = [
      this.supervisor.names().filter((n) => !own.includes(n)),
      own.filter((n) => n.startsWith('chaincode.')),
      this.topology.organisations.flatMap((o) => o.peers.map((p) => p.name)),
      this.topology.organisations.map((o) => o.orderer.name),
      this.topology.organisations.map((o) => o.ca.name),
    ];
    // Within a tier nothing depends on anything else: stop them together.
    for (const tier of tiers) {
      await Promise.all(tier.map((name) => this.supervisor.stop(name)));
    }
  }

  /** Stops the network and deletes its ledgers and crypto material. */
  async reset(): Promise<void> {
    await this.stop();
    rmSync(this.layout.root, { recursive: true, force: true });
  }

  async status(): Promise<NetworkStatus> {
    if (![...this.#homes.values()].every((h) => existsSync(h.config))) {
      // Never started here: nothing answers, and asking must not make a home.
      return this.#statusOf(
        this.topology.organisations.map((o) => ({
          name: o.orderer.name,
          org: o.mspId,
          address: address(o.orderer.endpoint),
          consenter: false,
          leader: false,
          height: null,
        })),
        this.topology.organisations.flatMap((o) => o.peers.map((p) => ({ name: p.name, org: o.mspId, address: address(p.endpoint), height: null }))),
        undefined,
      );
    }
    const channel = this.topology.channel;
    const orderers = await Promise.all(
      this.orderers.map(async (o) => {
        const info = await o.channelInfo(channel).catch(() => undefined);
        return {
          name: o.node.name,
          org: o.node.mspId,
          address: address(o.node.endpoint),
          consenter: info?.consensusRelation === 'consenter',
          leader: await o.isLeader(channel).catch(() => false),
          height: info?.height ?? null,
        };
      }),
    );
    const peers = await Promise.all(
      [...this.peers.values()].map(async (p) => ({
        name: p.node.name,
        org: p.node.mspId,
        address: address(p.node.endpoint),
        height: (await p.height(channel).catch(() => undefined)) ?? null,
      })),
    );
    const def = this.supervisor.isRunning(this.peers.keys().next().value ?? '') ? await this.chaincode.committed().catch(() => undefined) : undefined;
    return this.#statusOf(orderers, peers, def);
  }

  #statusOf(orderers: NetworkStatus['orderers'], peers: NetworkStatus['peers'], def: CommittedDefinition | undefined): NetworkStatus {
    return {
      orderers,
      peers,
      chaincode: {
        name: this.topology.chaincode.name,
        version: def?.version ?? null,
        sequence: def?.sequence ?? null,
        endorsementPolicy: def?.endorsementPolicy ?? null,
      },
      processes: reportProcesses(this.supervisor),
      projectNode: pinnedNodeVersion(),
    };
  }

  connectionProfile(): ConnectionProfile {
    return {
      channel: this.topology.channel,
      chaincode: this.topology.chaincode.name,
      organisations: this.topology.organisations.map((org) => {
        const { layout } = this.home(org.name);
        const client = new IdentityFiles(layout.identity(org.name, 'client'));
        const admin = new IdentityFiles(layout.identity(org.name, 'admin'));
        const files = (i: IdentityFiles): { cert: string; key: string; tlsCert: string; tlsKey: string } => ({
          cert: i.signCert,
          key: i.signKey,
          tlsCert: i.tlsCert,
          tlsKey: i.tlsKey,
        });
        return {
          name: org.name,
          mspId: org.mspId,
          description: org.description,
          ca: { url: `https://${address(org.ca.endpoint)}`, name: org.ca.name, caCert: layout.caCert(org.name) },
          peers: org.peers.map((p) => ({ name: p.name, endpoint: p.endpoint, tlsCaCert: layout.caCert(org.name) })),
          gateway: org.gateway,
          imageSource: org.imageSource,
          orthanc: { http: org.orthancHttp, dicom: org.orthancDicom },
          orderer: { name: org.orderer.name, endpoint: org.orderer.endpoint, operations: org.orderer.operations },
          home: this.home(org.name).root,
          client: files(client),
          admin: files(admin),
        };
      }),
    };
  }
}
