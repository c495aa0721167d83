import { getOperations, metricValue, type Endpoint } from '@isl/network';

/** An orderer whose operations endpoint (Prometheus /metrics) the gateway may read. */
export interface WatchedOrderer {
  readonly name: string;
  readonly operations: Endpoint;
}

export interface OrderingQuorumOptions {
  readonly channel: string;
  readonly orderers: readonly WatchedOrderer[];
  /** How often the orderers are asked (ms). */
  readonly intervalMs?: number;
  /**
   * How long no orderer may have seen a quorum before writes are refused (ms):
   * longer than an election (a leader's loss is not a lost quorum), so only an
   * outage that lasts is refused.
   */
  readonly graceMs?: number;
  readonly now?: () => number;
  readonly read?: (o: WatchedOrderer) => Promise<string>;
}

/**
 * What one reading of the orderers showed: `quorum` when an orderer reported
 * a leader with a quorum of active consenters; `none` when orderers answered
 * and none did; `unknown` when none answered (their operations endpoints may
 * simply not be reachable from here: never a reason to refuse).
 */
export interface QuorumReading {
  readonly state: 'quorum' | 'none' | 'unknown';
  readonly detail: string;
}

/**
 * Whether the channel's ordering service can order now, as the orderers'
 * own Raft figures say (Fabric etcdraft: `consensus_etcdraft_active_nodes` is
 * 0 on a node that knows no leader, and on a leader or its followers the
 * consenters the leader heard from recently). Writes are refused at once
 * (503 LEDGER_UNAVAILABLE, before anything is endorsed or sent) once no
 * orderer has reported a quorum for `graceMs`: without a quorum a transaction
 * can only wait on the orderers' forwarding timeouts, and its client would
 * hang for tens of seconds (docs/reliability.md, scenario 5). Unknown (no
 * reading yet) never refuses.
 */
export class OrderingQuorum {
  readonly #o: Required<Omit<OrderingQuorumOptions, 'orderers' | 'channel'>> & Pick<OrderingQuorumOptions, 'orderers' | 'channel'>;
  /** When a reading last did not show the quorum lost. */
  #lastOkAt: number;
  #last: QuorumReading | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;

  constructor(options: OrderingQuorumOptions) {
    this.#o = {
      intervalMs: 1_000,
      graceMs: 5_000,
      now: Date.now,
      read: async (o) => (await getOperations(o.operations, '/metrics', 2_000)).body,
      ...options,
    };
    this.#lastOkAt = this.#o.now();
  }

  /** Starts reading the orderers every interval (unref'd: it never holds the process). */
  start(): void {
    this.#timer ??= setInterval(() => {
      this.#reading ??= this.read()
        .then(() => undefined)
        .finally(() => {
          this.#reading = undefined;
        });
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads every orderer once. */
  async read(): Promise<QuorumReading> {
    const seen = await Promise.all(
      this.#o.orderers.map(async (o) => {
        try {
          const text = await this.#o.read(o);
          const active = metricValue(text, 'consensus_etcdraft_active_nodes', { channel: this.#o.channel }) ?? 0;
          const size = metricValue(text, 'consensus_etcdraft_cluster_size', { channel: this.#o.channel }) ?? 0;
          return { answered: true, quorum: size > 0 && active >= Math.floor(size / 2) + 1, text: `${o.name} sees ${String(active)} of ${String(size)} active` };
        } catch {
          return { answered: false, quorum: false, text: `${o.name} does not answer` };
        }
      }),
    );
    const state = seen.some((s) => s.quorum) ? 'quorum' : seen.some((s) => s.answered) ? 'none' : 'unknown';
    const reading: QuorumReading = { state, detail: seen.map((s) => s.text).join('; ') };
    if (state !== 'none') this.#lastOkAt = this.#o.now();
    this.#last = reading;
    return reading;
  }

  /** Why writes are refused now, or undefined when they may be sent. */
  refusal(): string | undefined {
    const since = this.#o.now() - this.#lastOkAt;
    if (this.#last?.state !== 'none' || since < this.#o.graceMs) return undefined;
    return `the ordering service has had no quorum for ${(since / 1000).toFixed(0)} s (${this.#last.detail}); nothing was sent`;
  }
}
