export interface ReplayCacheOptions {
  /** Live entries kept at most. */
  readonly capacity?: number;
  /** Live entries one owner (signing key) may hold; undefined: no quota. */
  readonly perOwner?: number;
  /**
   * When full of live entries: false refuses new ones (fail closed, for
   * nonces whose replay would release something); true forgets the oldest.
   */
  readonly evictOldest?: boolean;
}

export type Remembered = 'fresh' | 'replayed' | 'full' | 'quota';

/**
 * Nonces seen within the freshness window, each until it expires. Bounded
 * in total and, optionally, per owner, so one key cannot use up the room
 * of the others.
 */
export class ReplayCache {
  // Insertion order is age order (Map), which eviction relies on.
  readonly #seen = new Map<string, { readonly until: number; readonly owner: string }>();
  readonly #perOwner = new Map<string, number>();
  #lastSweep = Number.NEGATIVE_INFINITY;
  readonly #o: Required<Omit<ReplayCacheOptions, 'perOwner'>> & Pick<ReplayCacheOptions, 'perOwner'>;

  constructor(options: ReplayCacheOptions | number = {}) {
    const o = typeof options === 'number' ? { capacity: options } : options;
    this.#o = { capacity: o.capacity ?? 100_000, evictOldest: o.evictOldest ?? false, ...(o.perOwner === undefined ? {} : { perOwner: o.perOwner }) };
  }

  get size(): number {
    return this.#seen.size;
  }

  /** True while `key` is remembered. */
  has(key: string, nowMs: number): boolean {
    const entry = this.#seen.get(key);
    return entry !== undefined && entry.until > nowMs;
  }

  /**
   * Records `key` for `owner` until `expiresAtMs`. Returns 'fresh' the first
   * time, 'replayed' while it is remembered, 'full' when no room is left (and
   * eviction is off), 'quota' when the owner holds its share already.
   */
  remember(key: string, expiresAtMs: number, nowMs: number, owner = ''): Remembered {
    if (this.has(key, nowMs)) {
      return 'replayed';
    }
    this.#drop(key);
    const quota = this.#o.perOwner;
    if (quota !== undefined && (this.#perOwner.get(owner) ?? 0) >= quota) {
      this.#sweep(nowMs);
      if ((this.#perOwner.get(owner) ?? 0) >= quota) return 'quota';
    }
    if (this.#seen.size >= this.#o.capacity) {
      if (this.#o.evictOldest) {
        const oldest = this.#seen.keys().next();
        if (oldest.done !== true) this.#drop(oldest.value);
      } else {
        this.#sweep(nowMs);
        if (this.#seen.size >= this.#o.capacity) return 'full';
      }
    }
    this.#seen.set(key, { until: expiresAtMs, owner });
    this.#perOwner.set(owner, (this.#perOwner.get(owner) ?? 0) + 1);
    return 'fresh';
  }

  #drop(key: string): void {
    const entry = this.#seen.get(key);
    if (entry === undefined) return;
    this.#seen.delete(key);
    const left = (this.#perOwner.get(entry.owner) ?? 1) - 1;
    if (left > 0) this.#perOwner.set(entry.owner, left);
    else this.#perOwner.delete(entry.owner);
  }

  /** Drops expired entries; at most once a second, so a full cache under load costs no scan per request. */
  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweep < 1000) return;
    this.#lastSweep = nowMs;
    for (const [key, entry] of this.#seen) {
      if (entry.until <= nowMs) this.#drop(key);
    }
  }
}
