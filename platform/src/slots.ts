/**
 * At most `size` holders at once; the others wait in arrival order. Used where a peer limits
 * how many connections one client may hold (the gateway application answers 429 beyond its
 * per-address limit), so a busy client queues instead of being refused.
 */
export class Slots {
  readonly #size: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, not ${String(size)}`);
    this.#size = size;
  }

  /** Runs `task` once a slot is free, and frees it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#held < this.#size) {
      this.#held++;
    } else {
      // The slot is handed over by release() without being freed, so no newcomer can overtake.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Holders now (for tests and metrics). */
  get held(): number {
    return this.#held;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#held--;
    else next();
  }
}
