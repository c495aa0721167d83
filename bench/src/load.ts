import { summarise, type LatencySummary } from './stats';

/** One operation of a load step: resolves when it succeeded (for a transaction: committed), rejects otherwise. */
export type Operation = (index: number) => Promise<void>;

export interface StepResult {
  readonly label: string;
  /** Offered rate (tx/s) for fixed-rate steps; undefined for fixed-load steps. */
  readonly targetRate?: number;
  /** Outstanding operations kept for fixed-load steps. */
  readonly concurrency?: number;
  readonly durationS: number;
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly successPercent: number;
  /** Successful operations per second of the measured window (until the last answer). */
  readonly throughput: number;
  readonly latencyMs: LatencySummary;
  /** The first few distinct failure messages. */
  readonly errors: readonly string[];
  /** Completion time (s since step start) and latency (ms) per operation, for the chart (sampled). */
  readonly timeline: readonly (readonly [number, number])[];
  /**
   * Operations still unanswered when the drain bound ended the step (counted as failures), and how
   * long after that they took to settle: the next step starts only once they have, so it measures
   * the system, not this step's backlog.
   */
  readonly backlog?: { readonly unanswered: number; readonly settledS: number };
}

export interface StepOptions {
  readonly label: string;
  readonly durationS: number;
  /** Ops still unanswered this long after the window are failures (bounded wait). */
  readonly drainTimeoutS?: number;
  /** Never more outstanding than this (a stuck system must not grow the generator without bound). */
  readonly maxInFlight?: number;
  /** After the drain bound, how long the step may still wait for its leftover operations before failing the run. */
  readonly settleTimeoutS?: number;
  /** Called when the step's measured window ends, before any wait for leftovers (so CPU is measured over the window). */
  readonly onWindowEnd?: () => void;
}

/** Thrown when a step's leftover operations do not settle within their bound: later steps would measure them. */
export class BacklogError extends Error {
  constructor(label: string, outstanding: number, timeoutS: number) {
    super(`${label}: ${String(outstanding)} operations still unanswered ${String(timeoutS)} s after the step's drain bound`);
    this.name = 'BacklogError';
  }
}

class Recorder {
  readonly latencies: number[] = [];
  readonly timeline: [number, number][] = [];
  readonly errors = new Map<string, number>();
  failed = 0;
  sent = 0;
  lastDone = 0;
  readonly t0 = performance.now();

  async run(op: Operation, index: number): Promise<void> {
    this.sent++;
    const started = performance.now();
    try {
      await op(index);
      const done = performance.now();
      this.latencies.push(done - started);
      this.timeline.push([(done - this.t0) / 1000, done - started]);
      this.lastDone = done;
    } catch (err) {
      this.failed++;
      this.lastDone = performance.now();
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 160);
      this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
    }
  }

  result(o: StepOptions, extra: { targetRate?: number; concurrency?: number }): StepResult {
    const windowS = Math.max(o.durationS, (this.lastDone - this.t0) / 1000);
    const succeeded = this.latencies.length;
    const every = Math.max(1, Math.floor(this.timeline.length / 2000));
    return {
      label: o.label,
      ...extra,
      durationS: o.durationS,
      sent: this.sent,
      succeeded,
      failed: this.failed + (this.sent - succeeded - this.failed),
      successPercent: this.sent ? (succeeded / this.sent) * 100 : 0,
      throughput: succeeded / windowS,
      latencyMs: summarise(this.latencies),
      errors: [...this.errors].slice(0, 5).map(([m, n]) => `${String(n)}× ${m}`),
      timeline: this.timeline.filter((_, i) => i % every === 0),
    };
  }
}

/** Waits until every operation in flight has settled, or the bound passes; true when they all settled. */
async function drain(inFlight: Set<Promise<void>>, timeoutS: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutS * 1000);
  });
  const settled = await Promise.race([Promise.all(inFlight).then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

/**
 * Fixed rate (Caliper's fixed-rate controller): operation i is started at
 * t0 + i/rate whatever the answers, so a slow system shows as latency and
 * failures, not as a lower offered load. Bounded: rate × duration operations.
 */
export async function fixedRate(op: Operation, rate: number, o: StepOptions): Promise<StepResult> {
  const total = Math.round(rate * o.durationS);
  const maxInFlight = o.maxInFlight ?? 5000;
  const rec = new Recorder();
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  for (let i = 0; i < total; i++) {
    const due = rec.t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const p = rec.run(op, i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  const drained = await drain(inFlight, o.drainTimeoutS ?? 60);
  rec.sent += skipped;
  if (skipped) rec.errors.set(`not sent: ${String(maxInFlight)} operations outstanding`, skipped);
  o.onWindowEnd?.();
  if (drained) return rec.result(o, { targetRate: rate });
  const unanswered = inFlight.size;
  rec.errors.set(`unanswered ${String(o.drainTimeoutS ?? 60)} s after the window`, unanswered);
  const result = rec.result(o, { targetRate: rate });
  const settleStart = performance.now();
  const settleTimeoutS = o.settleTimeoutS ?? 600;
  if (!(await drain(inFlight, settleTimeoutS))) throw new BacklogError(o.label, inFlight.size, settleTimeoutS);
  return { ...result, backlog: { unanswered, settledS: (performance.now() - settleStart) / 1000 } };
}

/**
 * Fixed load (Caliper's fixed-load controller): keeps `concurrency`
 * operations outstanding for the duration; its throughput is the system's
 * capacity at that backlog.
 */
export async function fixedLoad(op: Operation, concurrency: number, o: StepOptions & { readonly maxOps: number }): Promise<StepResult> {
  const rec = new Recorder();
  const end = rec.t0 + o.durationS * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && next < o.maxOps) {
      await rec.run(op, next++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  o.onWindowEnd?.();
  return rec.result(o, { concurrency });
}
