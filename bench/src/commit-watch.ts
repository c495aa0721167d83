/** One transaction of a committed block as a peer's block event stream reports it. */
export interface CommittedTx {
  readonly txId: string;
  /** The peer's validation code was VALID. */
  readonly valid: boolean;
}

/** One peer's committed blocks, each as its transactions, until closed. */
export interface TxStream extends AsyncIterable<readonly CommittedTx[]> {
  close(): void;
}

export interface CommitWatchOptions {
  /** Transactions remembered at most (cleared each step): beyond, new ones are not recorded and count as missing. */
  readonly maxTracked?: number;
  /** The clock (ms), the same as the load generator's submit times. */
  readonly now?: () => number;
}

interface Waiter {
  readonly pending: Set<string>;
  readonly done: () => void;
}

/**
 * When each peer of the channel reported each transaction committed as valid: one block event
 * stream per peer, read as it comes. Bounded: it remembers at most `maxTracked` transactions
 * (the caller clears it between steps), and `close()` ends every stream.
 */
export class CommitWatch {
  readonly #names: readonly string[];
  readonly #streams: readonly TxStream[];
  readonly #seen = new Map<string, (number | undefined)[]>();
  readonly #waiters = new Set<Waiter>();
  readonly #errors: string[] = [];
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #loops: Promise<void>[];
  #closed = false;
  #notRecorded = 0;

  constructor(streams: readonly { readonly name: string; readonly stream: TxStream }[], o: CommitWatchOptions = {}) {
    this.#names = streams.map((s) => s.name);
    this.#streams = streams.map((s) => s.stream);
    this.#maxTracked = o.maxTracked ?? 1_000_000;
    this.#now = o.now ?? (() => performance.now());
    this.#loops = this.#streams.map((s, p) => this.#follow(p, s));
  }

  /** How many peers are watched. */
  get peers(): number {
    return this.#streams.length;
  }

  /** Streams that ended or failed before close(), as "<peer>: <reason>". */
  get errors(): readonly string[] {
    return [...this.#errors];
  }

  /** Transactions not recorded since the last clear() because `maxTracked` were already remembered. */
  get notRecorded(): number {
    return this.#notRecorded;
  }

  /** Per peer (in stream order), when it reported the transaction valid; undefined if it has not (yet). */
  seen(txId: string): readonly (number | undefined)[] | undefined {
    return this.#seen.get(txId);
  }

  /** Forgets every transaction seen so far (between steps: memory stays bounded by one step). */
  clear(): void {
    this.#seen.clear();
    this.#notRecorded = 0;
  }

  /** Resolves once every one of `txIds` is seen valid on every peer, or after `timeoutMs` (whatever is still missing stays missing). */
  settle(txIds: readonly string[], timeoutMs: number): Promise<void> {
    const pending = new Set(txIds.filter((id) => !this.#complete(id)));
    if (pending.size === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        pending,
        done: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Ends every stream and waits until their readers have stopped. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#streams) s.close();
    for (const w of [...this.#waiters]) w.done();
    await Promise.all(this.#loops);
  }

  async #follow(peer: number, stream: TxStream): Promise<void> {
    try {
      for await (const txs of stream) {
        const at = this.#now();
        for (const tx of txs) if (tx.valid) this.#record(tx.txId, peer, at);
      }
      if (!this.#closed) this.#errors.push(`${this.#names[peer] ?? String(peer)}: stream ended`);
    } catch (err) {
      if (!this.#closed) this.#errors.push(`${this.#names[peer] ?? String(peer)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #record(txId: string, peer: number, at: number): void {
    let times = this.#seen.get(txId);
    if (times === undefined) {
      if (this.#seen.size >= this.#maxTracked) {
        this.#notRecorded++;
        return;
      }
      times = new Array<number | undefined>(this.peers).fill(undefined);
      this.#seen.set(txId, times);
    }
    // A stream that delivers a block again (a reconnect) must not move the first sighting.
    times[peer] ??= at;
    if (!this.#complete(txId)) return;
    for (const w of [...this.#waiters]) {
      w.pending.delete(txId);
      if (w.pending.size === 0) w.done();
    }
  }

  #complete(txId: string): boolean {
    const times = this.#seen.get(txId);
    return times !== undefined && times.every((t) => t !== undefined);
  }
}
