/** The next batch the generator signs and sends: statements `from` .. `from + count - 1`. */
export interface PlannedBatch {
  readonly from: number;
  readonly count: number;
}

export interface LoadPlanOptions {
  /** Statements per transaction (SubmitBatch takes 1 to 50). */
  readonly batchSize: number;
  /** Batches sent and not yet answered, at most. */
  readonly outstanding: number;
}

/**
 * The generator's bookkeeping, without I/O: which statements to sign next and
 * how many may be in flight. A batch is signed only when it is sent, so at most
 * `outstanding × batchSize` statements exist unanswered at any time (never all
 * N); grants are counted only once applied, and a statement that was refused
 * (or whose batch failed) leaves room for another, so the load reaches its
 * target despite refusals without going past it. Indices are never reused: each
 * is a fresh recipient.
 */
export class LoadPlan {
  readonly #o: LoadPlanOptions;
  #next: number;
  #granted: number;
  #pendingStatements = 0;
  #pendingBatches = 0;

  /** `next`: the first statement index to use; `granted`: grants already applied (a resumed load). */
  constructor(o: LoadPlanOptions, next = 0, granted = 0) {
    if (!(o.batchSize >= 1 && o.batchSize <= 50 && o.outstanding >= 1)) throw new Error('batch size must be 1 to 50 and outstanding at least 1');
    this.#o = o;
    this.#next = next;
    this.#granted = granted;
  }

  get granted(): number {
    return this.#granted;
  }

  /** The first index not yet used. */
  get next(): number {
    return this.#next;
  }

  get pendingBatches(): number {
    return this.#pendingBatches;
  }

  get pendingStatements(): number {
    return this.#pendingStatements;
  }

  /** The next batch towards `target` grants, or undefined when none may be sent now (enough in flight, or the target covered). */
  take(target: number): PlannedBatch | undefined {
    if (this.#pendingBatches >= this.#o.outstanding) return undefined;
    const count = Math.min(this.#o.batchSize, target - this.#granted - this.#pendingStatements);
    if (count <= 0) return undefined;
    const batch = { from: this.#next, count };
    this.#next += count;
    this.#pendingStatements += count;
    this.#pendingBatches++;
    return batch;
  }

  /** A batch's answer: how many of its statements were applied (the rest were refused or failed). */
  settle(batch: PlannedBatch, applied: number): void {
    if (applied < 0 || applied > batch.count) throw new Error(`applied ${String(applied)} of a batch of ${String(batch.count)}`);
    this.#pendingStatements -= batch.count;
    this.#pendingBatches--;
    this.#granted += applied;
  }

  /** The target is reached and nothing is in flight. */
  done(target: number): boolean {
    return this.#granted >= target && this.#pendingBatches === 0;
  }
}
