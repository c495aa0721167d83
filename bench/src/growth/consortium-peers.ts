import { join } from 'node:path';
import { Consortium, FabricHome, loadTopology } from '@isl/network';
import type { BenchNetwork } from '../network';
import type { RestartablePeer } from './peer-restart';

/** The consortium's peers as the section polls and restarts them (topology and ports as `npm start` had them). */
export class Peers {
  readonly #c: Consortium;
  readonly #channel: string;

  constructor(root: string, net: BenchNetwork) {
    const topology = loadTopology(
      process.env.ISL_TOPOLOGY ?? join(root, 'test-network-config', 'topology.yaml'),
      process.env.ISL_BASE_PORT ? Number.parseInt(process.env.ISL_BASE_PORT, 10) : undefined,
    );
    for (const org of net.profile.organisations)
      for (const p of org.peers) {
        const t = topology.organisations.flatMap((o) => o.peers).find((q) => q.name === p.name);
        if (t?.endpoint.port !== p.endpoint.port)
          throw new Error(`${p.name} listens on ${String(p.endpoint.port)}, not where the topology puts it: set ISL_BASE_PORT as for npm start`);
      }
    this.#c = new Consortium({ topology, fabric: FabricHome.locate(), runDir: net.runDir });
    this.#channel = topology.channel;
  }

  names(): string[] {
    return [...this.#c.peers.keys()];
  }

  async height(name: string): Promise<number> {
    return (await this.#c.peers.get(name)?.height(this.#channel)) ?? 0;
  }

  async maxHeight(except?: string): Promise<number> {
    return Math.max(
      0,
      ...(await Promise.all(
        this.names()
          .filter((n) => n !== except)
          .map((n) => this.height(n).catch(() => 0)),
      )),
    );
  }

  sameHeight(): Promise<number> {
    return this.#c.waitForSameHeight(300_000);
  }

  dataOf(name: string): string {
    const org = this.#c.topology.organisations.find((o) => o.peers.some((p) => p.name === name));
    if (!org) throw new Error(`no peer ${name}`);
    return join(this.#c.home(org.name).root, 'nodes', name);
  }

  restartable(name: string): RestartablePeer {
    const peer = this.#c.peers.get(name);
    if (!peer) throw new Error(`no peer ${name} (have ${this.names().join(', ')})`);
    return {
      name,
      stop: () => this.#c.supervisor.stop(name),
      start: () => {
        peer.start();
      },
      healthy: () => peer.healthy(),
      height: () => peer.height(this.#channel),
      knownPeers: () => peer.knownPeers(this.#channel),
    };
  }
}

/** The channel's height, polled once a second while a load runs (for its progress line and stop condition). */
export class HeightWatch {
  height = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(peers: Peers, except?: string) {
    const poll = (): void => {
      void peers.maxHeight(except).then((h) => (this.height = h));
    };
    poll();
    this.#timer = setInterval(poll, 1000);
    this.#timer.unref();
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}
