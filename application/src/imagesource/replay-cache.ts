/**
 * Nonces seen within the freshness window. Bounded: when full even after
 * dropping expired entries it refuses new requests (fail closed) rather than
 * forget a nonce that could still be replayed.
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records `key` until `expiresAtMs`. Returns 'fresh' the first time,
   * 'replayed' while it is remembered, 'full' when no room is left.
   */
  remember(key: string, expiresAtMs: number, nowMs: number): 'fresh' | 'replayed' | 'full' {
    const until = this.#seen.get(key);
    if (until !== undefined && until > nowMs) {
      return 'replayed';
    }
    if (this.#seen.size >= this.#capacity) {
      this.#sweep(nowMs);
      if (this.#seen.size >= this.#capacity) {
        return 'full';
      }
    }
    this.#seen.set(key, expiresAtMs);
    return 'fresh';
  }

  #sweep(nowMs: number): void {
    for (const [key, until] of this.#seen) {
      if (until <= nowMs) {
        this.#seen.delete(key);
      }
    }
  }
}
