import type { ScenarioResult } from './fault-run';

const seconds = (ms: number | undefined): string => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The clear failures, by kind, e.g. "retry-later 41, outcome-unknown 3". */
function clearFailures(r: ScenarioResult): string {
  const k = r.verdict.byKind;
  const parts = (['retry-later', 'outcome-unknown', 'refused', 'not-delivered', 'timeout', 'cut-off'] as const)
    .filter((kind) => k[kind] > 0)
    .map((kind) => `${kind} ${String(k[kind])}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** How writes sent while ordering had no quorum were answered: how many refused at once, and the longest answer. */
function refusedLine(r: ScenarioResult, [from, to]: readonly [number, number]): string {
  const during = r.statements.filter((s) => s.sentAtMs >= from && s.sentAtMs < to);
  const refused = during.filter((s) => s.kind === 'retry-later' && s.code === 'LEDGER_UNAVAILABLE').length;
  return `${String(refused)} of ${String(during.length)} sent ${seconds(from - r.faultAtMs)}–${seconds(to - r.faultAtMs)} after the fault refused (503 LEDGER_UNAVAILABLE), longest answer ${seconds(Math.max(0, ...during.map((s) => s.latencyMs)))}`;
}

/** One scenario as the rows of its table in docs/reliability.md. */
export function scenarioTable(r: ScenarioResult): string {
  const v = r.verdict;
  const rows: [string, string][] = [
    ['fault', `${r.detail}, ${seconds(r.faultAtMs)} into the load, healed after ${seconds(r.healedAtMs - r.faultAtMs)}`],
    ['offered', `${String(v.offered)} (${String(r.rate)}/s for ${seconds(r.durationMs)})`],
    ['acknowledged', String(v.acknowledged)],
    ['acknowledged but lost', String(v.acknowledgedLost.length)],
    ['told wrongly (said not applied, was)', String(v.toldWrongly.length)],
    ['failed with a clear answer', clearFailures(r)],
    ['unclear answers', String(v.byKind.unclear)],
    [
      'answers other than acknowledged',
      Object.entries(v.failures)
        .map(([k, n]) => `${k}: ${String(n)}`)
        .join(', ') || 'none',
    ],
    [
      'retried afterwards: applied / already applied / failed',
      `${String(v.retriedApplied)} / ${String(v.retriedAlreadyApplied)} / ${String(v.retryFailed.length)}`,
    ],
    ...(r.stopsLoad
      ? ([
          ['recovery', `the load stops at the power cut; every process started again and every gateway ready ${seconds(r.healedAtMs - r.faultAtMs)} after it`],
        ] as [string, string][])
      : ([
          ['first commit after the fault', seconds(r.recovery.firstCommitMs)],
          ['throughput back at the offered rate', seconds(r.recovery.throughputBackMs)],
        ] as [string, string][])),
    ['longest answer', seconds(v.longestAnswerMs)],
    ...(r.refusalWindowMs === undefined ? [] : ([['writes without a quorum', refusedLine(r, r.refusalWindowMs)]] as [string, string][])),
    ['convergence', v.converged ? `every peer at height ${String(v.height)}, identical block headers` : 'DIVERGED'],
  ];
  return [`| ${String(r.id)}. ${r.name} | |`, '|---|---|', ...rows.map(([k, val]) => `| ${k} | ${val} |`)].join('\n');
}

/** Writes sent while ordering had long had no quorum that were not refused at once as such. */
function notRefused(r: ScenarioResult): string[] {
  if (r.refusalWindowMs === undefined) return [];
  const [from, to] = r.refusalWindowMs;
  const during = r.statements.filter((s) => s.sentAtMs >= from && s.sentAtMs < to);
  if (during.length === 0) return ['no statement was sent while ordering had no quorum'];
  const wrong = during.filter((s) => s.kind !== 'retry-later' || s.code !== 'LEDGER_UNAVAILABLE' || !/no quorum/.test(s.detail ?? ''));
  return wrong.length === 0
    ? []
    : [`${String(wrong.length)} of ${String(during.length)} writes sent without a quorum were not refused at once (e.g. ${JSON.stringify(wrong[0])})`];
}

/** What went wrong in a scenario, one line per statement (empty when nothing did). */
export function scenarioDefects(r: ScenarioResult): string[] {
  const v = r.verdict;
  return [
    ...notRefused(r),
    ...v.acknowledgedLost.map((d) => `#${String(d.index)} acknowledged but ${d.problem}`),
    ...v.toldWrongly.map((d) => `#${String(d.index)} ${d.problem}`),
    ...v.retryFailed.map((d) => `#${String(d.index)} (${d.kind}) ${d.problem}`),
    ...(v.byKind.unclear > 0 ? [`${String(v.byKind.unclear)} unclear answer(s)`] : []),
    ...(v.converged ? [] : ['the peers hold different chains']),
  ];
}
