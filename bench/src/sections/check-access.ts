import { newStudyReference } from '@isl/chaincode';
import { AccessPolicy, type LedgerClient } from '@isl/application';
import type { BenchNetwork } from '../network';
import { allowAccessStatement, defineStudies } from '../fixtures';
import { fixedRate, type StepResult } from '../load';
import { ProcessMonitor, type GroupFigures } from '../procstat';
import { summarise, type LatencySummary } from '../stats';

export interface CheckAccessOptions {
  readonly rates: readonly number[];
  readonly stepS: number;
  readonly decisions: number;
  readonly log: (m: string) => void;
}

export interface CheckAccessResult {
  readonly path: string;
  readonly steps: readonly (StepResult & { readonly processes: Record<string, GroupFigures> })[];
  /** The image source's grant decision (AccessPolicy.check at its own peer), one at a time. */
  readonly grantDecision: { readonly path: string; readonly latencyMs: LatencySummary; readonly allowedShare: number };
}

/**
 * CheckAccess as an evaluate (no ordering): each query goes over the Fabric
 * Gateway (mutual TLS) to one of the four peers, round-robin, for a mix of
 * granted and never-granted recipients.
 */
export async function benchCheckAccess(net: BenchNetwork, o: CheckAccessOptions): Promise<CheckAccessResult> {
  o.log('defining a study per organisation and granting 20 recipients each');
  const studies = await defineStudies(net, 1);
  const pairs: { source: string; study: string; recipient: string }[] = [];
  for (const s of studies) {
    const grants = await Promise.all(Array.from({ length: 20 }, () => allowAccessStatement(net, s)));
    await Promise.all(
      grants.map((g, i) => {
        const relay = net.orgs[i % net.orgs.length];
        if (!relay) throw new Error('no organisation');
        return relay.rest.relay(g.statement);
      }),
    );
    for (const g of grants) pairs.push({ source: s.source, study: s.study, recipient: g.recipient });
    // Never granted: the answer is a denial with a reason, which costs the same reads.
    for (let i = 0; i < 20; i++) pairs.push({ source: s.source, study: s.study, recipient: newStudyReference() });
  }
  const ledgers: LedgerClient[] = net.peers().map(([org, i]) => net.ledger(org, i));
  const query = async (i: number): Promise<void> => {
    const p = pairs[i % pairs.length];
    const ledger = ledgers[i % ledgers.length];
    if (!p || !ledger) throw new Error('no pair');
    await ledger.evaluate('CheckAccess', [p.source, p.study, p.recipient, '']);
  };
  // Warm-up: connections, chaincode's first calls.
  await fixedRate(query, 200, { label: 'warm-up', durationS: Math.min(5, o.stepS) });

  const steps: (StepResult & { processes: Record<string, GroupFigures> })[] = [];
  for (const rate of o.rates) {
    const monitor = new ProcessMonitor(net.runDir);
    monitor.start();
    const step = await fixedRate(query, rate, { label: `CheckAccess ${String(rate)}/s`, durationS: o.stepS, drainTimeoutS: 30 });
    steps.push({ ...step, processes: monitor.stop() });
    o.log(
      `${step.label}: ${step.throughput.toFixed(0)}/s, ${step.successPercent.toFixed(2)} % ok, p50 ${step.latencyMs.p50.toFixed(1)} ms, p99 ${step.latencyMs.p99.toFixed(1)} ms`,
    );
  }

  // The image source's decision: its AccessPolicy, through its own organisation's peer, one request at a time.
  const home = net.orgs[0];
  if (!home) throw new Error('no organisation');
  const homeStudy = studies[0];
  const policy = new AccessPolicy(net.ledger(home, 0), home.source.keyId);
  const own = pairs.filter((p) => p.source === home.source.keyId && p.study === homeStudy?.study);
  const latencies: number[] = [];
  let allowed = 0;
  for (let i = 0; i < o.decisions; i++) {
    const p = own[i % own.length];
    if (!p) break;
    const t = performance.now();
    const d = await policy.check(p.study, p.recipient);
    latencies.push(performance.now() - t);
    if (d.allowed) allowed++;
  }
  return {
    path: 'Fabric Gateway evaluate (mTLS, org client identity) round-robin over 4 peers; no ordering',
    steps,
    grantDecision: {
      path: "imagesource/access-policy.ts AccessPolicy.check: CheckAccess evaluated at the source's own peer per request (no cache)",
      latencyMs: summarise(latencies),
      allowedShare: latencies.length ? allowed / latencies.length : 0,
    },
  };
}
