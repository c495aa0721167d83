import { waitFor } from '@isl/network';

/** One peer as the restart measurement drives it. */
export interface RestartablePeer {
  readonly name: string;
  /** Stops its process (SIGTERM, bounded); its ledger stays on disk. */
  stop(): Promise<void>;
  start(): void;
  healthy(): Promise<boolean>;
  /** Its ledger height on the channel (undefined while it cannot say). */
  height(): Promise<number | undefined>;
  /** Peers its gossip knows on the channel. */
  knownPeers(): Promise<number>;
}

export interface RestartFigures {
  readonly peer: string;
  readonly stopS: number;
  /** Blocks the others had that it lacked when it started again. */
  readonly blocksBehind: number;
  /** From start until /healthz answers OK. */
  readonly healthyS: number;
  /** From start until its gossip knows every other peer again (the gateways' discovery needs that). */
  readonly gossipS: number;
  /** From start until its height equals the others' (they commit nothing meanwhile). */
  readonly caughtUpS: number;
  readonly height: number;
}

export interface RestartOptions {
  /** Other peers of the channel (gossip). */
  readonly otherPeers: number;
  /** The highest height among the other peers. */
  readonly othersHeight: () => Promise<number>;
  /** Run while the peer is down (e.g. commit K blocks), before it starts again. */
  readonly whileDown?: () => Promise<void>;
  readonly timeoutMs: number;
  readonly log: (m: string) => void;
}

const since = (t: number): number => (performance.now() - t) / 1000;
const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

/**
 * Stops the peer, runs `whileDown`, starts it on its own ledger and times, by
 * polling (100 ms, bounded), when it is healthy, back in gossip and at the
 * others' height.
 */
export async function timeRestart(peer: RestartablePeer, o: RestartOptions): Promise<RestartFigures> {
  const wait = { timeoutMs: o.timeoutMs, intervalMs: 100, hint: `peer ${peer.name}` };
  const before = await waitFor(`${peer.name} to report its height before the stop`, () => orUndefined(peer.height()).then((h) => h ?? false), wait);
  let t = performance.now();
  await peer.stop();
  const stopS = since(t);
  if (o.whileDown) await o.whileDown();
  const target = await o.othersHeight();
  t = performance.now();
  peer.start();
  await waitFor(`${peer.name} to answer /healthz after its restart`, async () => (await orUndefined(peer.healthy())) === true, wait);
  const healthyS = since(t);
  // Gossip and catch-up are timed side by side: either may come first.
  const [gossipS, [height, caughtUpS]] = await Promise.all([
    waitFor(
      `${peer.name}'s gossip to know the other ${String(o.otherPeers)} peers`,
      async () => ((await orUndefined(peer.knownPeers())) ?? 0) >= o.otherPeers,
      wait,
    ).then(() => since(t)),
    waitFor(
      `${peer.name} to reach the others' height ${String(target)}`,
      async () => {
        const h = await orUndefined(peer.height());
        return h !== undefined && h >= target ? h : false;
      },
      wait,
    ).then((h) => [h, since(t)] as const),
  ]);
  const figures = { peer: peer.name, stopS, blocksBehind: Math.max(0, target - before), healthyS, gossipS, caughtUpS, height };
  o.log(
    `${peer.name} restarted ${String(figures.blocksBehind)} blocks behind: healthy after ${healthyS.toFixed(1)} s, in gossip ${gossipS.toFixed(1)} s, at height ${String(target)} after ${figures.caughtUpS.toFixed(1)} s`,
  );
  return figures;
}
