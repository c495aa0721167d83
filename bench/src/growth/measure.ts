import type { LedgerClient } from '@isl/application';
import type { BenchNetwork } from '../network';
import { fixedRate, type Operation, type StepResult } from '../load';
import { ProcessMonitor } from '../procstat';
import { summarise, type LatencySummary } from '../stats';
import type { GrowthFixture } from './growth-fixture';
import { recipientId } from './recipients';

/** AllowAccess at a fixed rate on the grown ledger: CPU per committed transaction by kind of process. */
export interface AllowAccessCost {
  readonly step: StepResult;
  /** CPU ms per committed transaction: peer, chaincode, orderer, gateway, ..., and `consortium total`. */
  readonly cpuMsPerTx: Readonly<Record<string, number>>;
  /**
   * The same less what the idle consortium uses in as long (measured just before): at 20 tx/s the idle
   * CPU (block deliveries, gossip, metrics polling) spread over the transactions is a large share.
   */
  readonly cpuMsPerTxAboveIdle: Readonly<Record<string, number>>;
  readonly idleS: number;
}

export interface CheckAccessLatency {
  readonly step: StepResult;
  /** Share of the answers that allowed (the generator's grants are live: 1 unless some were refused). */
  readonly allowedShare: number;
}

export interface HistoryLatency {
  readonly latencyMs: LatencySummary;
  readonly failed: number;
}

/** CPU ms per committed transaction for every kind the monitor saw (bench's own process left out). */
export function cpuMsPerTx(processes: Readonly<Record<string, { cpuPercent: number }>>, windowS: number, committed: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(processes)
      .filter(([kind]) => !kind.startsWith('bench'))
      .map(([kind, f]) => [kind, committed > 0 ? ((f.cpuPercent / 100) * windowS * 1000) / committed : 0]),
  );
}

/**
 * (a) Single AllowAccess statements at `rate` for `durationS` through the gateways round-robin (member token),
 * signed before the step to recipients of their own (not counted as the generator's grants); the consortium's idle
 * CPU is measured for `idleS` just before (sleeping there is the measurement: an idle window, not a wait for something).
 */
export async function allowAccessCost(
  net: BenchNetwork,
  fixture: GrowthFixture,
  label: string,
  rate: number,
  durationS: number,
  idleS: number,
): Promise<AllowAccessCost> {
  const count = Math.round(rate * durationS);
  const statements = Array.from({ length: count }, (_, i) => fixture.sign(i, 365 * 86_400, recipientId(`${fixture.state.seed}/measure/${label}`, i)));
  const op: Operation = async (i) => {
    const org = net.orgs[i % net.orgs.length];
    const statement = statements[i];
    if (!org || statement === undefined) throw new Error('no statement');
    if ((await org.rest.relay(statement)).alreadyApplied) throw new Error('statement was already applied');
  };
  const idleMonitor = new ProcessMonitor(net.runDir);
  idleMonitor.start();
  await new Promise((r) => setTimeout(r, idleS * 1000));
  const idle = idleMonitor.stop();
  const monitor = new ProcessMonitor(net.runDir);
  const started = performance.now();
  monitor.start();
  const step = await fixedRate(op, rate, { label: `AllowAccess ${String(rate)} tx/s at ${label}`, durationS, drainTimeoutS: 60 });
  const processes = monitor.stop();
  const windowS = (performance.now() - started) / 1000;
  const aboveIdle = Object.fromEntries(
    Object.entries(processes).map(([kind, f]) => [kind, { cpuPercent: Math.max(0, f.cpuPercent - (idle[kind]?.cpuPercent ?? 0)) }]),
  );
  return {
    step,
    cpuMsPerTx: cpuMsPerTx(processes, windowS, step.succeeded),
    cpuMsPerTxAboveIdle: cpuMsPerTx(aboveIdle, windowS, step.succeeded),
    idleS,
  };
}

/** (b) CheckAccess through the Fabric Gateway's evaluate, round-robin over the peers, for the given grant indices. */
export async function checkAccessLatency(
  ledgers: readonly LedgerClient[],
  fixture: GrowthFixture,
  indices: readonly number[],
  label: string,
  rate: number,
  durationS: number,
): Promise<CheckAccessLatency> {
  let allowed = 0;
  const op: Operation = async (i) => {
    const index = indices[i % indices.length];
    const ledger = ledgers[i % ledgers.length];
    if (index === undefined || !ledger) throw new Error('no grant to check');
    const g = fixture.grant(index);
    const d = await ledger.evaluate<{ allowed: boolean }>('CheckAccess', [g.study.source, g.study.study, g.recipient, '']);
    if (d.allowed) allowed++;
  };
  const step = await fixedRate(op, rate, { label, durationS, drainTimeoutS: 30 });
  return { step, allowedShare: step.succeeded ? allowed / step.succeeded : 0 };
}

/** (c) The grant's history (GET /api/v1/history?key=grant/…, GetHistory at the gateway's peer), one query at a time. */
export async function historyLatency(net: BenchNetwork, fixture: GrowthFixture, indices: readonly number[]): Promise<HistoryLatency> {
  const latencies: number[] = [];
  let failed = 0;
  for (const [i, index] of indices.entries()) {
    const org = net.orgs[i % net.orgs.length];
    if (!org) break;
    const g = fixture.grant(index);
    const t = performance.now();
    try {
      await org.rest.get('/history', { key: `grant/${g.study.source}/${g.study.study}/${g.recipient}` });
      latencies.push(performance.now() - t);
    } catch {
      failed++;
    }
  }
  return { latencyMs: summarise(latencies), failed };
}

/** `count` indices spread evenly over [from, to): the grants made early or late in the load. */
export function spread(from: number, to: number, count: number): number[] {
  const n = Math.max(0, Math.min(count, to - from));
  return Array.from({ length: n }, (_, k) => from + Math.floor((k * (to - from)) / n));
}
