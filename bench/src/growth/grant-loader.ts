import { LoadPlan, type PlannedBatch } from './load-plan';

/** A batch's answer: statements applied, and the codes of those refused one by one. */
export interface BatchAnswer {
  readonly applied: number;
  readonly refused: readonly string[];
}

/** How the loader signs and sends (the gateways' batch endpoint on the consortium; a fake in unit tests). */
export interface LoaderDriver {
  /** The batch's statements, signed now (they live 300 s). */
  sign(batch: PlannedBatch): string[];
  /** Sends one batch as one transaction; rejects when the request failed as a whole (nothing known applied). */
  send(statements: readonly string[], request: number): Promise<BatchAnswer>;
}

export interface LoaderOptions {
  readonly log: (m: string) => void;
  /** How often progress is logged (ms). */
  readonly progressMs: number;
  /** Batches failing in a row (none of their statements applied) before the load gives up: a consortium that refuses everything must not loop forever. */
  readonly maxFailuresInARow: number;
  /** Checked between batches: true stops sending (what is in flight still counts). */
  readonly stop?: () => boolean;
  /** Extra words for the progress line, e.g. the ledger's height. */
  readonly describe?: () => string;
}

/** What a load did: every statement sent is applied, refused (by code) or in a failed batch (by message). */
export interface LoadFigures {
  readonly grantsBefore: number;
  readonly grantsAfter: number;
  readonly statementsSent: number;
  readonly applied: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly refusedTotal: number;
  /** Batches whose request failed as a whole, by message, and the statements they held. */
  readonly failedBatches: Readonly<Record<string, number>>;
  readonly statementsInFailedBatches: number;
  /** Batches that committed (whatever their statements' answers). */
  readonly committedBatches: number;
  readonly seconds: number;
  /** Applied statements and committed transactions per second of the load. */
  readonly statementsPerS: number;
  readonly txPerS: number;
  /** CPU the consortium's processes used while loading (ms), when measured: over `applied`, the cost of a grant in a batch. */
  readonly consortiumCpuMs?: number;
}

/** A count by key with a bounded number of keys (error messages vary; the report must not grow with them). */
class Tally {
  readonly #counts = new Map<string, number>();
  add(key: string, n = 1): void {
    const k = this.#counts.has(key) || this.#counts.size < 20 ? key : 'other';
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + n);
  }
  get total(): number {
    return [...this.#counts.values()].reduce((a, b) => a + b, 0);
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

/**
 * Loads grants until the plan holds `target` of them: batches signed as they
 * are sent, a bounded number in flight, every refusal and failure counted and
 * the load going on past them; progress logged every `progressMs`.
 */
export async function loadGrants(plan: LoadPlan, target: number, driver: LoaderDriver, o: LoaderOptions): Promise<LoadFigures> {
  const grantsBefore = plan.granted;
  const refused = new Tally();
  const failed = new Tally();
  let sent = 0;
  let committed = 0;
  let failuresInARow = 0;
  let request = 0;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const send = (batch: PlannedBatch): void => {
    const statements = driver.sign(batch);
    sent += statements.length;
    const p = driver
      .send(statements, request++)
      .then(
        (answer) => {
          committed++;
          for (const code of answer.refused) refused.add(code);
          failuresInARow = answer.applied > 0 ? 0 : failuresInARow + 1;
          plan.settle(batch, answer.applied);
        },
        (err: unknown) => {
          failed.add((err instanceof Error ? err.message : String(err)).slice(0, 120), batch.count);
          failuresInARow++;
          plan.settle(batch, 0);
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const progress = (): string => {
    const s = (performance.now() - started) / 1000;
    return `${String(plan.granted)}${target < Number.MAX_SAFE_INTEGER ? ` of ${String(target)}` : ''} grants (${((plan.granted - grantsBefore) / s).toFixed(0)}/s, ${(committed / s).toFixed(1)} tx/s), ${String(refused.total)} refused, ${String(failed.total)} in failed batches${o.describe ? `, ${o.describe()}` : ''}`;
  };
  const timer = setInterval(() => {
    o.log(progress());
  }, o.progressMs);
  timer.unref();
  try {
    while (!plan.done(target)) {
      for (let b = o.stop?.() === true ? undefined : plan.take(target); b !== undefined; b = plan.take(target)) send(b);
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      if (failuresInARow >= o.maxFailuresInARow) {
        await Promise.all(inFlight);
        throw new Error(
          `${String(failuresInARow)} batches in a row applied nothing; last failures: ${JSON.stringify(failed.toJSON())} ${JSON.stringify(refused.toJSON())}`,
        );
      }
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  o.log(`loaded: ${progress()} in ${seconds.toFixed(0)} s`);
  const applied = plan.granted - grantsBefore;
  return {
    grantsBefore,
    grantsAfter: plan.granted,
    statementsSent: sent,
    applied,
    refused: refused.toJSON(),
    refusedTotal: refused.total,
    failedBatches: failed.toJSON(),
    statementsInFailedBatches: failed.total,
    committedBatches: committed,
    seconds,
    statementsPerS: seconds > 0 ? applied / seconds : 0,
    txPerS: seconds > 0 ? committed / seconds : 0,
  };
}

/** Two loads as one (e.g. what was loaded while a peer was down, then up to the next size): counts and seconds add up. */
export function combineLoads(a: LoadFigures, b: LoadFigures): LoadFigures {
  const add = (x: Readonly<Record<string, number>>, y: Readonly<Record<string, number>>): Record<string, number> => {
    const out: Record<string, number> = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const seconds = a.seconds + b.seconds;
  const applied = a.applied + b.applied;
  const committedBatches = a.committedBatches + b.committedBatches;
  return {
    grantsBefore: a.grantsBefore,
    grantsAfter: b.grantsAfter,
    statementsSent: a.statementsSent + b.statementsSent,
    applied,
    refused: add(a.refused, b.refused),
    refusedTotal: a.refusedTotal + b.refusedTotal,
    failedBatches: add(a.failedBatches, b.failedBatches),
    statementsInFailedBatches: a.statementsInFailedBatches + b.statementsInFailedBatches,
    committedBatches,
    seconds,
    statementsPerS: seconds > 0 ? applied / seconds : 0,
    txPerS: seconds > 0 ? committedBatches / seconds : 0,
    ...(a.consortiumCpuMs !== undefined && b.consortiumCpuMs !== undefined ? { consortiumCpuMs: a.consortiumCpuMs + b.consortiumCpuMs } : {}),
  };
}
