/**
 * The headline figures of a run, each under a key that is stable across runs, read from a run's
 * results as parsed JSON. Results written by older versions of the benchmark lack fields: every
 * read is checked, a missing or malformed figure is `undefined` (shown as "–"), never an error.
 */
export interface Figure {
  /** Stable across runs: two runs' figures are matched by it (e.g. `allow.fixed.50.p99`). */
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly value: number | undefined;
  /** Decimals to print. */
  readonly digits: number;
}

type Json = unknown;

const record = (x: Json): Record<string, Json> | undefined =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, Json>) : undefined;
const list = (x: Json): readonly Json[] => (Array.isArray(x) ? (x as Json[]) : []);
const num = (x: Json): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
/** The value at a path of object keys, or undefined as soon as one is missing. */
export const at = (x: Json, ...path: readonly string[]): Json => path.reduce<Json>((o, k) => record(o)?.[k], x);
const div = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

/** Hardware threads of the run's machine: availableParallelism where recorded, else the CPU count older runs recorded. */
export function hardwareThreads(results: Json): number | undefined {
  return num(at(results, 'machine', 'hardwareThreads')) ?? num(at(results, 'machine', 'cpus'));
}

/** CPU ms of one core per committed transaction from a step's process figures (CPU % of one core over the step). */
export function cpuMsPerTx(step: Json, kind: string): number | undefined {
  const cpuPercent = num(at(step, 'processes', kind, 'cpuPercent'));
  return cpuPercent === undefined ? undefined : div(cpuPercent * 10, num(at(step, 'throughput')));
}

/** Highest offered rate whose step had no failure and committed ≥ 95 % of it (allow-access.ts withoutFailures); p99 bound optional. */
export function highestRate(steps: readonly Json[], p99AtMostMs = Number.POSITIVE_INFINITY): number {
  const ok = steps.filter((s) => {
    const rate = num(at(s, 'targetRate'));
    const throughput = num(at(s, 'throughput')) ?? 0;
    return rate !== undefined && num(at(s, 'failed')) === 0 && throughput >= 0.95 * rate && (num(at(s, 'latencyMs', 'p99')) ?? Infinity) <= p99AtMostMs;
  });
  return Math.max(0, ...ok.map((s) => num(at(s, 'targetRate')) ?? 0));
}

class Figures {
  readonly list: Figure[] = [];
  add(key: string, label: string, unit: string, value: Json, digits = 1): void {
    this.list.push({ key, label, unit, value: num(value), digits });
  }
}

/** Kinds of process in a step's figures, in a fixed order (the consortium's total last, the benchmark's own process after it). */
function kindsOf(step: Json): string[] {
  const order = (k: string): number => (k === 'consortium total' ? 1 : k.startsWith('bench') ? 2 : 0);
  return Object.keys(record(at(step, 'processes')) ?? {}).sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

function rateSteps(f: Figures, steps: readonly Json[], prefix: string, name: string): void {
  for (const s of steps) {
    const rate = num(at(s, 'targetRate'));
    if (rate === undefined) continue;
    const key = `allow.${prefix}.${String(rate)}`;
    const label = `AllowAccess ${name} ${String(rate)} tx/s`;
    f.add(`${key}.throughput`, `${label}: committed`, 'tx/s', at(s, 'throughput'));
    f.add(`${key}.p50`, `${label}: p50 (REST answer)`, 'ms', at(s, 'latencyMs', 'p50'), 0);
    f.add(`${key}.p99`, `${label}: p99 (REST answer)`, 'ms', at(s, 'latencyMs', 'p99'), 0);
    if (at(s, 'networkCommit') !== undefined) {
      f.add(`${key}.network.p50`, `${label}: p50 (committed on every peer)`, 'ms', at(s, 'networkCommit', 'latencyMs', 'p50'), 0);
      f.add(`${key}.network.p99`, `${label}: p99 (committed on every peer)`, 'ms', at(s, 'networkCommit', 'latencyMs', 'p99'), 0);
      f.add(`${key}.network.missing`, `${label}: not seen on every peer`, 'tx', at(s, 'networkCommit', 'missing'), 0);
    }
    f.add(`${key}.cpu`, `${label}: CPU per committed tx, consortium`, 'ms', cpuMsPerTx(s, 'consortium total'), 2);
  }
}

function allowAccess(f: Figures, r: Json): void {
  const a = at(r, 'allowAccess');
  if (a === undefined) return;
  const rated = [...list(at(a, 'steps')), ...list(at(a, 'search'))];
  const threads = hardwareThreads(r);
  const capacity = num(at(a, 'fixedLoad', 'throughput'));
  const sustained = num(at(a, 'maxSustainedRate'));
  f.add('allow.maxSustained', 'AllowAccess maximum sustained rate', 'tx/s', sustained, 0);
  f.add('allow.noFailures', 'AllowAccess highest rate with 0 failures', 'tx/s', rated.length ? highestRate(rated) : undefined, 0);
  f.add('allow.capacity', 'AllowAccess capacity (fixed load)', 'tx/s', capacity);
  f.add('allow.capacity.perThread', 'AllowAccess capacity per hardware thread', 'tx/s', div(capacity, threads));
  f.add('allow.maxSustained.perThread', 'AllowAccess maximum sustained rate per hardware thread', 'tx/s', div(sustained, threads));
  for (const kind of kindsOf(at(a, 'fixedLoad')))
    f.add(`allow.capacity.cpu.${kind}`, `AllowAccess CPU per committed tx at capacity, ${kind}`, 'ms', cpuMsPerTx(at(a, 'fixedLoad'), kind), 2);
  if (at(a, 'fixedLoad', 'networkCommit') !== undefined) {
    f.add(
      'allow.capacity.network.p50',
      'AllowAccess at capacity: p50 (committed on every peer)',
      'ms',
      at(a, 'fixedLoad', 'networkCommit', 'latencyMs', 'p50'),
      0,
    );
    f.add(
      'allow.capacity.network.p99',
      'AllowAccess at capacity: p99 (committed on every peer)',
      'ms',
      at(a, 'fixedLoad', 'networkCommit', 'latencyMs', 'p99'),
      0,
    );
  }
  rateSteps(f, list(at(a, 'steps')), 'fixed', 'fixed rate');
  rateSteps(f, list(at(a, 'search')), 'search', 'search');
}

function batches(f: Figures, r: Json): void {
  for (const b of list(at(r, 'batches'))) {
    const size = num(at(b, 'size'));
    if (size === undefined) continue;
    f.add(`batch.${String(size)}.statementsPerS`, `statements/s, ${String(size)} per transaction`, '/s', at(b, 'statementsPerS'));
    f.add(`batch.${String(size)}.cpu`, `CPU per statement, ${String(size)} per transaction`, 'ms', at(b, 'cpuMsPerStatement'), 2);
  }
}

function checkAccess(f: Figures, r: Json): void {
  const c = at(r, 'checkAccess');
  if (c === undefined) return;
  for (const s of list(at(c, 'steps'))) {
    const rate = num(at(s, 'targetRate'));
    if (rate === undefined) continue;
    f.add(`check.${String(rate)}.throughput`, `CheckAccess ${String(rate)}/s: answered`, '/s', at(s, 'throughput'), 0);
    f.add(`check.${String(rate)}.p50`, `CheckAccess ${String(rate)}/s: p50`, 'ms', at(s, 'latencyMs', 'p50'));
    f.add(`check.${String(rate)}.p99`, `CheckAccess ${String(rate)}/s: p99`, 'ms', at(s, 'latencyMs', 'p99'));
  }
  f.add('check.decision.p50', 'grant decision p50 (view)', 'ms', at(c, 'grantDecision', 'latencyMs', 'p50'), 2);
  f.add('check.decision.p99', 'grant decision p99 (view)', 'ms', at(c, 'grantDecision', 'latencyMs', 'p99'), 2);
  if (at(c, 'grantDecisionPeer') !== undefined) {
    f.add('check.decisionPeer.p50', 'grant decision p50 (at the peer)', 'ms', at(c, 'grantDecisionPeer', 'latencyMs', 'p50'), 2);
    f.add('check.decisionPeer.p99', 'grant decision p99 (at the peer)', 'ms', at(c, 'grantDecisionPeer', 'latencyMs', 'p99'), 2);
  }
}

const WAYS = ['direct DICOMweb (Orthanc)', 'image source WADO-RS', 'image source ITI-43'] as const;

function retrieval(f: Figures, r: Json): void {
  const t = at(r, 'retrieval');
  if (t === undefined) return;
  for (const way of WAYS) f.add(`retrieval.${way}`, `retrieval ${way} (median)`, 'MB/s', at(t, 'medianMbPerS', way));
  f.add('retrieval.ratioWado', 'retrieval WADO-RS / direct', '×', at(t, 'ratioWado'), 2);
  f.add('retrieval.ratioIti43', 'retrieval ITI-43 / direct', '×', at(t, 'ratioIti43'), 2);
  f.add('retrieval.ratioWadoFastest', 'retrieval WADO-RS / direct, fastest runs', '×', at(t, 'ratioWadoFastest'), 2);
  f.add('retrieval.ratioIti43Fastest', 'retrieval ITI-43 / direct, fastest runs', '×', at(t, 'ratioIti43Fastest'), 2);
  f.add('retrieval.peakRss', 'image source peak RSS while streaming', 'MB', at(t, 'imageSourcePeakRssMb'), 0);
  if (at(t, 'encryption') !== undefined) {
    f.add('retrieval.encryption.ratioWado', 'encrypted / plaintext isl retrieve, WADO-RS', '×', at(t, 'encryption', 'ratioWado'), 2);
    f.add('retrieval.encryption.ratioIti43', 'encrypted / plaintext isl retrieve, ITI-43', '×', at(t, 'encryption', 'ratioIti43'), 2);
  }
}

function publishingAndOperations(f: Figures, r: Json): void {
  const p = at(r, 'publishing');
  if (p !== undefined) {
    f.add('publish.upload', 'publishing over REST (median)', 'MB/s', at(p, 'medianUploadMbPerS'));
    f.add('publish.ratio', 'publishing over REST / direct Orthanc store', '×', at(p, 'ratio'), 2);
    f.add('publish.consent', 'consent → DefineStudy committed (median)', 'ms', at(p, 'medianConsentMs'), 0);
  }
  const o = at(r, 'operations');
  if (o === undefined) return;
  f.add('ops.coldStart', 'cold start', 's', at(o, 'coldStart', 'seconds'));
  f.add('ops.warmStop', 'warm restart: stop', 's', at(o, 'warmStop', 'seconds'));
  f.add('ops.warmStart', 'warm restart: start', 's', at(o, 'warmStart', 'seconds'));
  f.add('ops.idleRss', 'total RSS of the idle consortium', 'MB', at(o, 'idle', 'consortium total', 'rssPeakMb'), 0);
}

/** Every headline figure of a run (results JSON as parsed), in report order. */
export function headlineFigures(results: Json): Figure[] {
  const f = new Figures();
  allowAccess(f, results);
  batches(f, results);
  checkAccess(f, results);
  retrieval(f, results);
  publishingAndOperations(f, results);
  return f.list;
}
