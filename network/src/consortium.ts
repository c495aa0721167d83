import { mkdirSync, rmSync } from 'node:fs';
import { CertificateAuthority } from './ca/certificate-authority';
import { IdentityFiles } from './ca/identity';
import { makeGenesisBlock } from './channel/genesis';
import { ChaincodeDeployment } from './chaincode/deployment';
import { writeNodeConfig } from './config/node-config';
import { writeConnectionProfile, type ConnectionProfile } from './connection-profile';
import type { FabricHome } from './fabric-home';
import { Layout } from './layout';
import { Orderer } from './node/orderer';
import { Peer } from './node/peer';
import { reportProcesses, type ProcessReport } from './process/process-report';
import { Supervisor } from './process/supervisor';
import { pinnedNodeVersion } from './runtime/project-node';
import { waitFor } from './process/wait';
import { NetworkState } from './state';
import { address, allPeers, type Topology } from './topology/topology';
import { assertPortsFree } from './topology/ports';

export interface ConsortiumOptions {
  readonly topology: Topology;
  readonly fabric: FabricHome;
  /** The network's run folder (git-ignored), e.g. .run/consortium. */
  readonly runDir: string;
  readonly log?: (message: string) => void;
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

/**
 * The whole consortium from one topology: each organisation's CA, Raft orderer,
 * peers and chaincode servers, the channel, and the chaincode definition.
 */
export class Consortium {
  readonly topology: Topology;
  readonly layout: Layout;
  readonly supervisor: Supervisor;
  readonly cas: ReadonlyMap<string, CertificateAuthority>;
  readonly orderers: readonly Orderer[];
  readonly peers: ReadonlyMap<string, Peer>;
  readonly chaincode: ChaincodeDeployment;
  readonly #fabric: FabricHome;
  readonly #log: (message: string) => void;

  constructor(options: ConsortiumOptions) {
    this.topology = options.topology;
    this.#fabric = options.fabric;
    this.layout = new Layout(options.runDir);
    this.supervisor = new Supervisor(this.layout);
    this.#log = options.log ?? (() => undefined);
    const state = (): NetworkState => NetworkState.load(this.layout.state);
    this.cas = new Map(
      this.topology.organisations.map((org) => [
        org.name,
        new CertificateAuthority({
          fabric: this.#fabric,
          layout: this.layout,
          supervisor: this.supervisor,
          org,
          secret: (id) => state().secret(`${org.name}/${id}`),
        }),
      ]),
    );
    const context = { fabric: this.#fabric, layout: this.layout, topology: this.topology, supervisor: this.supervisor };
    this.orderers = this.topology.organisations.map((o) => new Orderer(context, o.orderer));
    this.peers = new Map(allPeers(this.topology).map((p) => [p.name, new Peer(context, p)]));
    this.chaincode = new ChaincodeDeployment({
      layout: this.layout,
      topology: this.topology,
      supervisor: this.supervisor,
      peers: this.peers,
      orderers: this.orderers,
    });
  }

  /** Every process name the network runs, in start order. */
  get processNames(): string[] {
    return [
      ...this.topology.organisations.map((o) => o.ca.name),
      ...this.orderers.map((o) => o.node.name),
      ...[...this.peers.keys()],
      ...[...this.peers.keys()].map((p) => `chaincode.${p}`),
    ];
  }

  /**
   * Brings the network up: a first start creates crypto material, the channel
   * and the chaincode definition; a later start (after stop) only starts the
   * processes. Harmless while running. Every wait is bounded and names its node.
   */
  async up(): Promise<void> {
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    writeNodeConfig(
      this.#fabric,
      this.layout.config,
      this.topology.organisations.map((o) => this.layout.caCert(o.name)),
    );
    const state = NetworkState.load(this.layout.state);
    const channel = this.topology.channel;
    if (!this.supervisor.names().some((n) => this.supervisor.isRunning(n))) {
      // Nothing of ours runs: every port must be free, or a stranger would answer our readiness checks.
      await assertPortsFree(this.topology);
    }

    this.#log('starting certificate authorities');
    for (const ca of this.cas.values()) {
      ca.start();
    }
    await Promise.all([...this.cas.values()].map((ca) => ca.ready()));
    if (!state.isDone('crypto')) {
      this.#log('enrolling node, admin and client identities through each CA');
      await Promise.all([...this.cas.values()].map((ca) => ca.enrolAll()));
      NetworkState.load(this.layout.state).markDone('crypto');
    }

    this.#log('starting orderers and peers');
    for (const o of this.orderers) {
      o.start();
    }
    for (const p of this.peers.values()) {
      p.start();
    }
    await Promise.all([
      ...this.orderers.map((o) => this.#waitHealthy(o.node.name, () => o.healthy())),
      ...[...this.peers.values()].map((p) => this.#waitHealthy(p.node.name, () => p.healthy())),
    ]);

    if (!NetworkState.load(this.layout.state).isDone('channel')) {
      this.#log(`creating channel ${channel} through the channel participation API`);
      const block = await makeGenesisBlock(this.#fabric, this.layout, this.topology);
      for (const o of this.orderers) {
        await o.join(block, channel);
      }
      await this.waitForLeader();
      for (const p of this.peers.values()) {
        await p.joinChannel(block, channel);
      }
      NetworkState.load(this.layout.state).markDone('channel');
    }
    await this.waitForLeader();
    await Promise.all(
      [...this.peers.values()].map((p) =>
        waitFor(`${p.node.name} to have channel ${channel}`, async () => (await p.height(channel)) !== undefined, {
          timeoutMs: 60_000,
          hint: `see ${this.supervisor.logOf(p.node.name)}`,
        }),
      ),
    );

    const afterChannel = NetworkState.load(this.layout.state);
    if (!afterChannel.isDone('chaincode')) {
      this.#log(`installing chaincode ${this.topology.chaincode.name} as a service on every peer`);
      const ids = await this.chaincode.install();
      afterChannel.setPackageIds(ids);
      await this.chaincode.startServers(ids);
      const committed = await this.chaincode.committed();
      const sequence = (committed?.sequence ?? 0) + 1;
      this.#log(`approving the definition (sequence ${String(sequence)}) as each organisation's admin, then committing`);
      for (const org of this.topology.organisations) {
        const id = ids.get(org.name);
        if (id === undefined) {
          throw new Error(`no package for ${org.name}`);
        }
        await this.chaincode.approve(org, id, sequence);
      }
      await this.chaincode.commit(sequence);
      NetworkState.load(this.layout.state).markDone('chaincode');
    } else {
      await this.chaincode.startServers(afterChannel.packageIds);
    }
    await waitFor('the chaincode definition to be committed', async () => (await this.chaincode.committed()) !== undefined, { timeoutMs: 60_000 });
    await this.waitForSameHeight();
    await this.waitForGossip();
    writeConnectionProfile(this.layout.connectionProfile, this.connectionProfile());
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
      { timeoutMs, hint: `see ${this.layout.logs}` },
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
      { timeoutMs, hint: `see ${this.layout.logs}` },
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
      [...this.peers.keys()],
      this.orderers.map((o) => o.node.name),
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
        const client = new IdentityFiles(this.layout.identity(org.name, 'client'));
        const admin = new IdentityFiles(this.layout.identity(org.name, 'admin'));
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
          ca: { url: `https://${address(org.ca.endpoint)}`, name: org.ca.name, caCert: this.layout.caCert(org.name) },
          peers: org.peers.map((p) => ({ name: p.name, endpoint: p.endpoint, tlsCaCert: this.layout.caCert(org.name) })),
          gateway: org.gateway,
          imageSource: org.imageSource,
          orthanc: { http: org.orthancHttp, dicom: org.orthancDicom },
          orderer: { name: org.orderer.name, endpoint: org.orderer.endpoint, operations: org.orderer.operations },
          client: files(client),
          admin: files(admin),
        };
      }),
    };
  }
}
