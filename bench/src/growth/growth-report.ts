import type { GrowthResult, GrowthRow } from '../sections/growth';
import type { LatencySummary } from '../stats';

const f0 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(0));
const f1 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(1));
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const p50p99 = (l: LatencySummary | undefined, digits = 1): string => (l ? `${l.p50.toFixed(digits)} / ${l.p99.toFixed(digits)}` : '–');
const ratio = (n: number | undefined, base: number | undefined): string => (n === undefined || !base ? '' : ` (${(n / base).toFixed(2)}×)`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export const LOAD_HEAD = [
  'grants',
  'loaded in s',
  'statements/s',
  'tx/s',
  'CPU ms per grant',
  'refused (by code)',
  'in failed batches',
  'blocks',
  'ledger MiB: total (blocks / state / history)',
] as const;

/** Loading and the ledger it left: one row per size. */
export function loadRows(rows: readonly GrowthRow[]): string[][] {
  return rows.map((r) => [
    // A size a previous run (or catch-up) had already passed shows what the ledger holds.
    r.load.grantsAfter === r.grants ? String(r.grants) : `${String(r.grants)} (${String(r.load.grantsAfter)} loaded)`,
    f0(r.load.seconds),
    f1(r.load.statementsPerS),
    f1(r.load.txPerS),
    r.load.consortiumCpuMs === undefined || r.load.applied === 0 ? '–' : f1(r.load.consortiumCpuMs / r.load.applied),
    r.load.refusedTotal === 0
      ? '0'
      : `${String(r.load.refusedTotal)} (${Object.entries(r.load.refused)
          .map(([code, n]) => `${code} ${String(n)}`)
          .join(', ')})`,
    String(r.load.statementsInFailedBatches),
    String(r.ledger.height),
    `${mib(r.ledger.bytes.total)} (${mib(r.ledger.bytes.blocks)} / ${mib(r.ledger.bytes.state)} / ${mib(r.ledger.bytes.history)})`,
  ]);
}

export const COST_HEAD = [
  'grants',
  'AllowAccess CPU ms/tx total (× first)',
  'peer / chaincode / orderer / gateway ms/tx',
  'above idle: total; peer / chaincode / orderer / gateway',
  'AllowAccess p50 / p99 ms (failed)',
  'CheckAccess early / late grants p50 / p99 ms',
  'history early / late p50 / p99 ms',
  'restart: healthy / at height s',
  'catch-up: blocks behind, healthy / at height s',
] as const;

/** The measurements at each size, CPU per transaction beside the first size's. */
export function costRows(rows: readonly GrowthRow[]): string[][] {
  const first = rows[0]?.allowAccess?.cpuMsPerTx['consortium total'];
  return rows.map((r) => {
    const cpu = r.allowAccess?.cpuMsPerTx;
    return [
      String(r.grants),
      cpu ? `${f1(cpu['consortium total'])}${ratio(cpu['consortium total'], first)}` : '–',
      cpu ? ['peer', 'chaincode', 'orderer', 'gateway'].map((k) => f1(cpu[k])).join(' / ') : '–',
      r.allowAccess
        ? `${f1(r.allowAccess.cpuMsPerTxAboveIdle['consortium total'])}; ${['peer', 'chaincode', 'orderer', 'gateway'].map((k) => f1(r.allowAccess?.cpuMsPerTxAboveIdle[k])).join(' / ')}`
        : '–',
      r.allowAccess ? `${p50p99(r.allowAccess.step.latencyMs, 0)} (${String(r.allowAccess.step.failed)})` : '–',
      `${p50p99(r.checkAccessEarly?.step.latencyMs)}; ${p50p99(r.checkAccessLate?.step.latencyMs)}`,
      `${p50p99(r.historyEarly?.latencyMs)}; ${p50p99(r.historyLate?.latencyMs)}`,
      r.restart ? `${f1(r.restart.healthyS)} / ${f1(r.restart.caughtUpS)}` : '–',
      r.catchUp ? `${String(r.catchUp.blocksBehind)}, ${f1(r.catchUp.healthyS)} / ${f1(r.catchUp.caughtUpS)}` : '–',
    ];
  });
}

/** The report's "Ledger growth" section. */
export function growthSection(g: GrowthResult): string[] {
  const failures = g.rows.flatMap((r) => Object.entries(r.errors).map(([what, message]) => `- at ${String(r.grants)} grants, ${what} failed: ${message}`));
  return [
    '## Ledger growth (issue 15, goal 6)',
    '',
    `Load: ${g.path}; ${String(g.outstanding)} batches in flight, ${String(g.studies)} studies, a fresh recipient per grant; signing ${f0(g.signingPerS.native)} statements/s (jose: ${f0(g.signingPerS.jose)}/s). Sizes are the grants the generator applied on this ledger (kept across runs); blocks and bytes from ${g.rows[0]?.ledger.peer ?? 'a peer'}.`,
    '',
    ...table(LOAD_HEAD, loadRows(g.rows)),
    '',
    `At each size: AllowAccess alone at ${String(g.options.allowRate)} tx/s for ${String(g.options.allowS)} s (CPU from /proc per committed transaction, and less the idle consortium's CPU measured for ${String(g.options.idleS)} s before); CheckAccess (Fabric Gateway evaluate, 4 peers) at ${String(g.options.checkRate)}/s for ${String(g.options.checkS)} s on ${String(g.options.sampleKeys)} of the earliest grants, then ${String(g.options.sampleKeys)} of the latest; ${String(g.options.historyQueries)} grant histories (GET /api/v1/history) each, one at a time; ${g.options.restartPeer} stopped and started on its ledger, then stopped while ${String(g.options.catchUpBlocks)} blocks were committed.`,
    '',
    ...table(COST_HEAD, costRows(g.rows)),
    '',
    ...failures,
    ...(g.error === undefined ? [] : [`**Stopped:** ${g.error}`]),
    ...(failures.length > 0 || g.error !== undefined ? [''] : []),
  ];
}

/** One console line per size. */
export function growthSummary(g: GrowthResult): string[] {
  return g.rows.map(
    (r) =>
      `growth ${String(r.grants)} grants: loaded ${f1(r.load.statementsPerS)} statements/s, height ${String(r.ledger.height)}, ${mib(r.ledger.bytes.total)} MiB; AllowAccess ${f1(r.allowAccess?.cpuMsPerTx['consortium total'])} ms CPU/tx; CheckAccess late p50 ${f1(r.checkAccessLate?.step.latencyMs.p50)} ms; catch-up ${f1(r.catchUp?.caughtUpS)} s`,
  );
}
