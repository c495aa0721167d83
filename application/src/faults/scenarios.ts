import type { Consortium, Host, HostNetwork, Orderer } from '@isl/network';
import type { ApplicationServices } from '../services/application-services';

/** What a fault acts on: the consortium, its gateways, and (on member hosts) the hosts' network. */
export interface FaultContext {
  readonly consortium: Consortium;
  readonly services: ApplicationServices;
  /** Present when each member runs on a host of its own (network namespaces). */
  readonly hosts?: { readonly network: HostNetwork; readonly byOrg: ReadonlyMap<string, Host> };
}

/** A fault in progress: what was done, and how to undo it. */
export interface Fault {
  readonly detail: string;
  heal(): Promise<void>;
}

export interface Scenario {
  readonly id: number;
  readonly name: string;
  /** Cutting links or slowing them needs member hosts. */
  readonly needsHosts: boolean;
  /** How long the fault lasts before it is healed (ms). */
  readonly holdMs: number;
  /** The load stops at the fault (everything lost power: no client reaches anything until restart). */
  readonly stopsLoad?: boolean;
  /** Writes sent this long after the fault, until the heal, must be refused at once (503, ordering has no quorum). */
  readonly refusesWritesAfterMs?: number;
  inject(ctx: FaultContext): Promise<Fault>;
}

async function leader(ctx: FaultContext): Promise<Orderer> {
  return ctx.consortium.waitForLeader(30_000);
}

async function followers(ctx: FaultContext): Promise<Orderer[]> {
  const l = await leader(ctx);
  return ctx.consortium.orderers.filter((o) => o.node.name !== l.node.name);
}

function hostOf(ctx: FaultContext, org: string): { network: HostNetwork; host: Host } {
  const host = ctx.hosts?.byOrg.get(org);
  if (!ctx.hosts || !host) throw new Error(`no host for ${org}: this scenario needs member hosts`);
  return { network: ctx.hosts.network, host };
}

/** A member that runs neither the Raft leader nor, when possible, anything the scenario already hit. */
async function bystanderOrg(ctx: FaultContext): Promise<string> {
  const l = await leader(ctx);
  const org = ctx.consortium.topology.organisations.find((o) => o.orderer.name !== l.node.name);
  if (!org) throw new Error('no member without the Raft leader');
  return org.name;
}

function signal(ctx: FaultContext, name: string, sig: NodeJS.Signals): void {
  const pid = ctx.consortium.supervisor.pid(name);
  if (pid === undefined) throw new Error(`${name} has no pid`);
  process.kill(pid, sig);
}

/** The eight scenarios (docs/reliability.md). */
export const scenarios: readonly Scenario[] = [
  {
    id: 1,
    name: 'Raft leader killed (SIGKILL), restarted later',
    needsHosts: false,
    holdMs: 15_000,
    async inject(ctx) {
      const l = await leader(ctx);
      await ctx.consortium.supervisor.kill(l.node.name);
      return { detail: `killed ${l.node.name}`, heal: () => ctx.consortium.restartNode(l.node.name) };
    },
  },
  {
    id: 2,
    name: "a member's host cut off the network for 30 s",
    needsHosts: true,
    holdMs: 30_000,
    async inject(ctx) {
      const { network, host } = hostOf(ctx, await bystanderOrg(ctx));
      await network.cut(host);
      return { detail: `cut ${host.name} (${host.address})`, heal: () => network.heal(host) };
    },
  },
  {
    id: 3,
    name: "the Raft leader's host partitioned away for 20 s",
    needsHosts: true,
    holdMs: 20_000,
    async inject(ctx) {
      const l = await leader(ctx);
      const { network, host } = hostOf(ctx, l.node.org);
      await network.cut(host);
      return { detail: `cut ${host.name}, holding the leader ${l.node.name}`, heal: () => network.heal(host) };
    },
  },
  {
    id: 4,
    name: 'a follower orderer frozen (SIGSTOP) for 20 s',
    needsHosts: false,
    holdMs: 20_000,
    async inject(ctx) {
      const [f] = await followers(ctx);
      if (!f) throw new Error('no follower orderer');
      signal(ctx, f.node.name, 'SIGSTOP');
      return {
        detail: `froze ${f.node.name}`,
        heal: () => {
          signal(ctx, f.node.name, 'SIGCONT');
          return Promise.resolve();
        },
      };
    },
  },
  {
    id: 5,
    name: 'two of three orderers down for 20 s',
    needsHosts: false,
    holdMs: 20_000,
    // The gateways' grace (5 s) and reading interval (1 s), and the time Raft takes to notice.
    refusesWritesAfterMs: 10_000,
    async inject(ctx) {
      const down = (await followers(ctx)).slice(0, 2);
      await Promise.all(down.map((o) => ctx.consortium.supervisor.kill(o.node.name)));
      return {
        detail: `killed ${down.map((o) => o.node.name).join(' and ')}`,
        heal: async () => {
          await Promise.all(down.map((o) => ctx.consortium.restartNode(o.node.name)));
        },
      };
    },
  },
  {
    id: 6,
    name: "an organisation's only peer down for 20 s",
    needsHosts: false,
    holdMs: 20_000,
    async inject(ctx) {
      const org = ctx.consortium.topology.organisations.find((o) => o.name === 'hospital2') ?? ctx.consortium.topology.organisations[1];
      const peer = org?.peers[0];
      if (!peer) throw new Error('no second organisation with a peer');
      await ctx.consortium.supervisor.kill(peer.name);
      return { detail: `killed ${peer.name}`, heal: () => ctx.consortium.restartNode(peer.name) };
    },
  },
  {
    id: 7,
    name: 'power loss: every process killed at once, then started again',
    needsHosts: false,
    holdMs: 2_000,
    stopsLoad: true,
    async inject(ctx) {
      const running = ctx.consortium.supervisor.names().filter((n) => ctx.consortium.supervisor.isRunning(n));
      await Promise.all(running.map((n) => ctx.consortium.supervisor.kill(n)));
      return {
        detail: `killed ${String(running.length)} processes`,
        heal: async () => {
          // What `npm start` does: the network's processes, then the gateways.
          await ctx.consortium.up();
          await ctx.services.startGateways();
        },
      };
    },
  },
  {
    id: 8,
    name: "a member's link slowed to 1 Mbit/s (tc tbf) for 30 s",
    needsHosts: true,
    holdMs: 30_000,
    async inject(ctx) {
      const { network, host } = hostOf(ctx, await bystanderOrg(ctx));
      await network.slow(host, '1mbit');
      return { detail: `slowed ${host.name} to 1 Mbit/s both ways`, heal: () => network.unslow(host) };
    },
  },
];
