import { newStudyReference } from '@isl/chaincode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessPolicy, GrantView, networkBlockFeed, type LedgerClient } from '@isl/application';
import { waitFor } from '@isl/network';
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
  /** The image source's grant decision (AccessPolicy.check) with its grant view live, one at a time: the goal's figure. */
  readonly grantDecision: GrantDecisionFigures;
  /** The same decisions evaluated at its own peer (no view): the figure before the view. */
  readonly grantDecisionPeer?: GrantDecisionFigures;
  /** Decisions where the view and the peer disagreed (0 expected: the view runs CheckAccess over the same records). */
  readonly viewDisagreements?: number;
}

export interface GrantDecisionFigures {
  readonly path: string;
  readonly latencyMs: LatencySummary;
  readonly allowedShare: number;
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
    let processes: Record<string, GroupFigures> | undefined;
    const onWindowEnd = (): void => void (processes ??= monitor.stop());
    const step = await fixedRate(query, rate, { label: `CheckAccess ${String(rate)}/s`, durationS: o.stepS, drainTimeoutS: 30, onWindowEnd });
    steps.push({ ...step, processes: processes ?? monitor.stop() });
    o.log(
      `${step.label}: ${step.throughput.toFixed(0)}/s, ${step.successPercent.toFixed(2)} % ok, p50 ${step.latencyMs.p50.toFixed(1)} ms, p99 ${step.latencyMs.p99.toFixed(1)} ms`,
    );
  }

  const { peer, view, viewDisagreements } = await benchGrantDecisions(net, studies[0]?.study, pairs, o);
  return {
    path: 'Fabric Gateway evaluate (mTLS, org client identity) round-robin over 4 peers; no ordering',
    steps,
    grantDecision: view,
    grantDecisionPeer: peer,
    viewDisagreements,
  };
}

async function decisions(
  policy: AccessPolicy,
  own: readonly { study: string; recipient: string }[],
  count: number,
): Promise<{ latencies: number[]; allowed: number }> {
  const latencies: number[] = [];
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    const p = own[i % own.length];
    if (!p) break;
    const t = performance.now();
    const d = await policy.check(p.study, p.recipient);
    latencies.push(performance.now() - t);
    if (d.allowed) allowed++;
  }
  return { latencies, allowed };
}

/**
 * The image source's decision, one request at a time, for its own study's pairs: its AccessPolicy
 * evaluating CheckAccess at its own organisation's peer, then the same with its grant view (from
 * that peer's blocks) live; every pair is also decided both ways once, and any disagreement counted.
 */
async function benchGrantDecisions(
  net: BenchNetwork,
  homeStudy: string | undefined,
  pairs: readonly { source: string; study: string; recipient: string }[],
  o: CheckAccessOptions,
): Promise<{ peer: GrantDecisionFigures; view: GrantDecisionFigures; viewDisagreements: number }> {
  const home = net.orgs[0];
  if (!home) throw new Error('no organisation');
  const own = pairs.filter((p) => p.source === home.source.keyId && p.study === homeStudy);
  const ledger = net.ledger(home, 0);
  const atPeer = await decisions(new AccessPolicy(ledger, home.source.keyId), own, o.decisions);
  const dir = mkdtempSync(join(tmpdir(), 'isl-bench-view-'));
  const channel = net.network(home, 0);
  const grantView = new GrantView({
    feed: networkBlockFeed(channel),
    channel: channel.getName(),
    chaincode: net.profile.chaincode,
    source: home.source.keyId,
    checkpointFile: join(dir, 'grant-view.json'),
  });
  try {
    grantView.start();
    await waitFor('the grant view to be live', () => grantView.live || false, { timeoutMs: 300_000 });
    const withView = new AccessPolicy(ledger, home.source.keyId, grantView);
    const peerOnly = new AccessPolicy(ledger, home.source.keyId);
    let viewDisagreements = 0;
    for (const p of own) {
      const [a, b] = await Promise.all([withView.check(p.study, p.recipient), peerOnly.check(p.study, p.recipient)]);
      if (JSON.stringify(a) !== JSON.stringify(b)) viewDisagreements++;
    }
    o.log(`grant view live at height ${grantView.height.toString()}; ${String(viewDisagreements)} of ${String(own.length)} decisions differ from the peer's`);
    const fromView = await decisions(withView, own, o.decisions);
    return {
      peer: {
        path: "imagesource/access-policy.ts AccessPolicy.check without a view: CheckAccess evaluated at the source's own peer per request",
        latencyMs: summarise(atPeer.latencies),
        allowedShare: atPeer.latencies.length ? atPeer.allowed / atPeer.latencies.length : 0,
      },
      view: {
        path: `AccessPolicy.check answered by the live grant view (imagesource/grant-view.ts; ${String(withView.answered.peer)} of its decisions went to the peer)`,
        latencyMs: summarise(fromView.latencies),
        allowedShare: fromView.latencies.length ? fromView.allowed / fromView.latencies.length : 0,
      },
      viewDisagreements,
    };
  } finally {
    await grantView.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
