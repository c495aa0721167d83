import type { BenchNetwork } from '../network';
import { allowAccessStatement, defineStudies, type BenchStudy } from '../fixtures';
import { fixedLoad, fixedRate, type Operation, type StepResult } from '../load';
import { ProcessMonitor, type GroupFigures } from '../procstat';
import type { CommitWatch } from '../commit-watch';
import { networkCommitFigures, type NetworkCommitFigures, type Submitted } from '../network-commit';
import { watchEveryPeer } from '../peer-commits';

export interface AllowAccessOptions {
  readonly rates: readonly number[];
  readonly stepS: number;
  readonly warmupS: number;
  readonly studiesPerOrg: number;
  readonly fixedLoadConcurrency: number;
  readonly searchAttempts: number;
  /**
   * Also measure latency until committed on every peer (block event streams on every peer), waiting at most this many
   * seconds after a step's last answer for its transactions to show on every peer; undefined: not measured.
   */
  readonly networkCommitBoundS?: number;
  readonly log: (m: string) => void;
}

export interface MeasuredStep extends StepResult {
  readonly processes: Record<string, GroupFigures>;
  /** Passed: no failure, at least 95 % of the offered rate committed, p99 ≤ 5 s. */
  readonly sustained: boolean;
  /** Latency until committed on every peer of the channel (absent when not measured, and in runs from before it existed). */
  readonly networkCommit?: NetworkCommitFigures;
}

export interface AllowAccessResult {
  readonly path: string;
  readonly endorsementPolicy: string;
  readonly warmup: StepResult;
  readonly steps: readonly MeasuredStep[];
  readonly fixedLoad: MeasuredStep;
  readonly search: readonly MeasuredStep[];
  /** Highest sustained fixed rate (0 failures, ≥ 95 % of the rate committed, p99 ≤ 5 s). */
  readonly maxSustainedRate: number;
  readonly signingRatePerS: number;
}

/** Pre-signs `count` AllowAccess statements round-robin over the studies (the load generator only sends). */
async function presign(net: BenchNetwork, studies: readonly BenchStudy[], count: number): Promise<{ statements: string[]; perS: number }> {
  const started = performance.now();
  const statements: string[] = new Array<string>(count);
  const batch = 256;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const signed = await Promise.all(Array.from({ length: n }, (_, k) => allowAccessStatement(net, studies[(i + k) % studies.length] as BenchStudy)));
    signed.forEach((s, k) => (statements[i + k] = s.statement));
  }
  return { statements, perS: count / ((performance.now() - started) / 1000) };
}

/**
 * Every statement is relayed through an organisation's gateway application
 * (REST, member token), round-robin over the three, and counts as done when
 * the gateway answers, i.e. once the transaction's commit status is known.
 * `committed` gets each answered transaction's id and the time it was sent.
 */
function relayOp(net: BenchNetwork, statements: readonly string[], committed?: (s: Submitted) => void): Operation {
  return async (i) => {
    const org = net.orgs[i % net.orgs.length];
    const statement = statements[i];
    if (!org || !statement) throw new Error('no statement left');
    const submittedAt = performance.now();
    const r = await org.rest.relay(statement);
    if (r.alreadyApplied) throw new Error('statement was already applied');
    committed?.({ txId: r.transactionId, submittedAt });
  };
}

/**
 * Runs one measured step: the processes' CPU and RSS over it, and, with a watch, its answered
 * transactions looked for on every peer (waiting at most `boundS` after the step's last answer).
 */
async function measured(
  net: BenchNetwork,
  watch: { readonly watch: CommitWatch; readonly boundS: number } | undefined,
  run: (committed: (s: Submitted) => void, onWindowEnd: () => void) => Promise<StepResult>,
): Promise<{ step: StepResult; processes: Record<string, GroupFigures>; networkCommit?: NetworkCommitFigures }> {
  const submitted: Submitted[] = [];
  watch?.watch.clear();
  const monitor = new ProcessMonitor(net.runDir);
  monitor.start();
  let processes: Record<string, GroupFigures> | undefined;
  const step = await run(
    (s) => submitted.push(s),
    () => (processes ??= monitor.stop()),
  );
  processes ??= monitor.stop();
  if (watch === undefined) return { step, processes };
  await watch.watch.settle(
    submitted.map((s) => s.txId),
    watch.boundS * 1000,
  );
  const errors = [...watch.watch.errors, ...(watch.watch.notRecorded ? [`${String(watch.watch.notRecorded)} transactions not recorded (watch full)`] : [])];
  const networkCommit = networkCommitFigures(submitted, (id) => watch.watch.seen(id), watch.watch.peers, watch.boundS, errors);
  return { step, processes, networkCommit };
}

/** Every transaction committed, at (nearly) the offered rate: Caliper's "0 failures". */
export const withoutFailures = (s: StepResult): boolean => s.failed === 0 && s.targetRate !== undefined && s.throughput >= 0.95 * s.targetRate;

/** Also a backlog that does not grow through the step: p99 within 5 s (a saturated step's p99 climbs to tens of seconds). */
export const P99_SUSTAINED_MS = 5000;
const sustained = (s: StepResult): boolean => withoutFailures(s) && s.latencyMs.p99 <= P99_SUSTAINED_MS;

export async function benchAllowAccess(net: BenchNetwork, o: AllowAccessOptions, policy: string): Promise<AllowAccessResult> {
  let watch: { readonly watch: CommitWatch; readonly boundS: number } | undefined;
  if (o.networkCommitBoundS !== undefined) {
    o.log(`opening a filtered block event stream on each of the ${String(net.peers().length)} peers`);
    watch = { watch: await watchEveryPeer(net), boundS: o.networkCommitBoundS };
  }
  try {
    return await allowAccessSteps(net, o, policy, watch);
  } finally {
    await watch?.watch.close();
  }
}

const networkText = (n: NetworkCommitFigures | undefined): string =>
  n === undefined
    ? ''
    : `; on every peer p50 ${n.latencyMs.p50.toFixed(0)} ms, p99 ${n.latencyMs.p99.toFixed(0)} ms, ${String(n.missing)} of ${String(n.tracked)} not seen on every peer`;

async function allowAccessSteps(
  net: BenchNetwork,
  o: AllowAccessOptions,
  policy: string,
  watch: { readonly watch: CommitWatch; readonly boundS: number } | undefined,
): Promise<AllowAccessResult> {
  o.log(`defining ${String(o.studiesPerOrg)} studies per organisation (a patient key each)`);
  const studies = await defineStudies(net, o.studiesPerOrg);

  const measureRate = async (rate: number, label: string): Promise<MeasuredStep> => {
    const { statements } = await presign(net, studies, Math.round(rate * o.stepS));
    const m = await measured(net, watch, (committed, onWindowEnd) =>
      fixedRate(relayOp(net, statements, committed), rate, { label, durationS: o.stepS, drainTimeoutS: 60, onWindowEnd }),
    );
    if (m.step.backlog)
      o.log(`${label}: ${String(m.step.backlog.unanswered)} left unanswered at the drain bound settled in ${m.step.backlog.settledS.toFixed(0)} s`);
    const step = m.step;
    o.log(
      `${label}: ${step.throughput.toFixed(1)} tx/s committed, ${step.successPercent.toFixed(2)} % ok, p50 ${step.latencyMs.p50.toFixed(0)} ms, p99 ${step.latencyMs.p99.toFixed(0)} ms${networkText(m.networkCommit)}`,
    );
    return { ...step, processes: m.processes, sustained: sustained(step), ...(m.networkCommit ? { networkCommit: m.networkCommit } : {}) };
  };

  o.log(`warm-up: ${String(o.warmupS)} s at 25 tx/s`);
  const warm = await presign(net, studies, 25 * o.warmupS);
  const warmup = await fixedRate(relayOp(net, warm.statements), 25, { label: 'warm-up 25 tx/s', durationS: o.warmupS });

  const steps: MeasuredStep[] = [];
  for (const rate of o.rates) steps.push(await measureRate(rate, `fixed rate ${String(rate)} tx/s`));

  // Fixed load: a constant backlog of outstanding transactions shows the capacity.
  const capacityGuess = 600;
  const signed = await presign(net, studies, Math.round(capacityGuess * o.stepS));
  const load = await measured(net, watch, (committed) =>
    fixedLoad(relayOp(net, signed.statements, committed), o.fixedLoadConcurrency, {
      label: `fixed load ${String(o.fixedLoadConcurrency)} outstanding`,
      durationS: o.stepS,
      maxOps: signed.statements.length,
    }),
  );
  const fixedLoadStep: MeasuredStep = {
    ...load.step,
    processes: load.processes,
    sustained: load.step.failed === 0,
    ...(load.networkCommit ? { networkCommit: load.networkCommit } : {}),
  };
  o.log(
    `${fixedLoadStep.label}: ${fixedLoadStep.throughput.toFixed(1)} tx/s, p50 ${fixedLoadStep.latencyMs.p50.toFixed(0)} ms${networkText(load.networkCommit)}`,
  );

  const search = await searchDown(steps, fixedLoadStep, o, measureRate);
  const maxSustainedRate = Math.max(0, ...[...steps, ...search].filter((s) => s.sustained).map((s) => s.targetRate ?? 0));
  return {
    path: 'client → gateway app REST (member token, round-robin over 3 orgs) → Fabric Gateway (mTLS) → endorse → order → commit status',
    endorsementPolicy: policy,
    warmup,
    steps,
    fixedLoad: fixedLoadStep,
    search,
    maxSustainedRate,
    signingRatePerS: warm.perS,
  };
}

/** Search: fixed rates from just under the capacity downwards until one is sustained. */
async function searchDown(
  steps: readonly MeasuredStep[],
  fixedLoadStep: MeasuredStep,
  o: AllowAccessOptions,
  measureRate: (rate: number, label: string) => Promise<MeasuredStep>,
): Promise<MeasuredStep[]> {
  const search: MeasuredStep[] = [];
  let rate = Math.floor((fixedLoadStep.throughput * 0.95) / 5) * 5;
  for (let k = 0; k < o.searchAttempts && rate >= 5; k++) {
    const best = Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.targetRate ?? 0));
    if (rate <= best) break;
    const step = await measureRate(rate, `search ${String(rate)} tx/s`);
    search.push(step);
    if (step.sustained) break;
    rate = Math.floor((rate * 0.9) / 5) * 5;
  }
  return search;
}
