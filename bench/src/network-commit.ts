import { summarise, type LatencySummary } from './stats';

/** A transaction the gateway answered as committed: its id and when the load generator sent it (performance.now() ms). */
export interface Submitted {
  readonly txId: string;
  readonly submittedAt: number;
}

/**
 * Latency until a transaction is committed on every peer of the channel (the Hyperledger Performance
 * and Scale Working Group's network-wide "threshold" latency, with the threshold at every peer).
 */
export interface NetworkCommitFigures {
  /** Peers watched: every peer of the channel. */
  readonly peers: number;
  /** Transactions the gateway answered as committed, with their id: the ones looked for. */
  readonly tracked: number;
  /** Of those, not seen committed valid on every peer within the bound: counted, never dropped silently. */
  readonly missing: number;
  /** How long after the step's last answer the watch waited for them (s). */
  readonly boundS: number;
  /** Submit → the last peer's block event with it as valid, over the transactions seen on every peer. */
  readonly latencyMs: LatencySummary;
  /** The first peer's → the last peer's block event with it: how far the peers are apart. */
  readonly spreadMs: LatencySummary;
  /** Streams that ended with an error during the step (their peers then miss the rest). */
  readonly streamErrors?: readonly string[];
}

/**
 * The figures of one step: `seen(txId)` gives the time (performance.now() ms) each peer's stream
 * delivered the transaction as valid, `undefined` for a peer that did not.
 */
export function networkCommitFigures(
  submitted: readonly Submitted[],
  seen: (txId: string) => readonly (number | undefined)[] | undefined,
  peers: number,
  boundS: number,
  streamErrors: readonly string[] = [],
): NetworkCommitFigures {
  const latencies: number[] = [];
  const spreads: number[] = [];
  let missing = 0;
  for (const s of submitted) {
    const times = seen(s.txId) ?? [];
    const all: number[] = [];
    for (let p = 0; p < peers; p++) {
      const t = times[p];
      if (t !== undefined) all.push(t);
    }
    if (all.length < peers || peers === 0) {
      missing++;
      continue;
    }
    const last = Math.max(...all);
    latencies.push(last - s.submittedAt);
    spreads.push(last - Math.min(...all));
  }
  return {
    peers,
    tracked: submitted.length,
    missing,
    boundS,
    latencyMs: summarise(latencies),
    spreadMs: summarise(spreads),
    ...(streamErrors.length ? { streamErrors } : {}),
  };
}
