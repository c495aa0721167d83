import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStudyReference } from '@isl/chaincode';
import { AccessPolicy, GrantView, stateKey, syntheticBlock, SyntheticBlockStream, type BlockFeed, type SyntheticTransaction } from '@isl/application';
import { waitFor } from '@isl/network';
import { summarise, type LatencySummary } from './stats';

/**
 * The image source's grant decision through its local grant view, without a
 * network: a view kept from synthetic committed blocks holding `grants`
 * grants of one source (a tenth revoked, a tenth expired) and as many of
 * another, then `decisions` AccessPolicy.check calls one at a time over
 * granted, revoked, expired and never-granted recipients. What it leaves out
 * is only the ledger: the decision itself makes no I/O once the view is live.
 */
export interface GrantDecisionResult {
  readonly grants: number;
  readonly blocks: number;
  readonly latencyMs: LatencySummary;
  readonly allowedShare: number;
  /** The view went to the peer for none of them (the stub peer would have failed them). */
  readonly answeredByView: number;
  readonly checkpoint: { readonly bytes: number; readonly writeMs: number; readonly resumeToLiveMs: number };
  readonly loadAverage: readonly number[];
}

const TX_PER_BLOCK = 100;

function synthetic(grants: number): { source: string; pairs: { study: string; recipient: string }[]; blocks: SyntheticTransaction[][] } {
  const source = newStudyReference();
  const other = newStudyReference();
  const studies = Array.from({ length: Math.max(1, Math.ceil(grants / 100)) }, () => newStudyReference());
  const now = Date.now();
  const iso = (ms: number): string => new Date(ms).toISOString();
  const txs: SyntheticTransaction[] = [
    { writes: [{ key: stateKey('source', source), value: { kind: 'source', source, active: true } }] },
    ...studies.map((study) => ({ writes: [{ key: stateKey('study', source, study), value: { kind: 'study', source, study } }] })),
  ];
  const pairs: { study: string; recipient: string }[] = [];
  for (let i = 0; i < grants; i++) {
    const study = studies[i % studies.length] ?? '';
    const recipient = newStudyReference();
    const revoked = i % 10 === 1 ? { status: 'revoked', revokedAt: iso(now - 1_000) } : { status: 'active' };
    const until = iso(i % 10 === 2 ? now - 1_000 : now + 3_600_000);
    txs.push({
      writes: [
        {
          key: stateKey('grant', source, study, recipient),
          value: { kind: 'grant', source, study, recipient, grantedAt: iso(now - 60_000), until, ...revoked },
        },
      ],
    });
    txs.push({
      writes: [{ key: stateKey('grant', other, study, recipient), value: { kind: 'grant', source: other, study, recipient, grantedAt: iso(now), until } }],
    });
    pairs.push({ study, recipient }, { study, recipient: newStudyReference() });
  }
  const blocks: SyntheticTransaction[][] = [];
  for (let i = 0; i < txs.length; i += TX_PER_BLOCK) blocks.push(txs.slice(i, i + TX_PER_BLOCK));
  return { source, pairs, blocks };
}

function feedOf(blocks: SyntheticTransaction[][]): BlockFeed {
  const built = blocks.map((txs, n) => syntheticBlock(n, txs));
  return {
    height: () => Promise.resolve(BigInt(built.length)),
    blocks: (start) => {
      const stream = new SyntheticBlockStream();
      stream.push(...built.slice(Number(start)));
      return Promise.resolve(stream);
    },
  };
}

async function openLive(feed: BlockFeed, source: string, checkpointFile: string): Promise<GrantView> {
  const view = new GrantView({ feed, channel: 'bench', chaincode: 'isl', source, checkpointFile, heartbeatMs: 0, checkpointEveryMs: 0 });
  view.start();
  await waitFor('the grant view to be live', () => view.live || false, { timeoutMs: 300_000, intervalMs: 5 });
  return view;
}

export async function benchGrantDecision(o: { readonly grants: number; readonly decisions: number }): Promise<GrantDecisionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'isl-grant-decision-'));
  try {
    const { source, pairs, blocks } = synthetic(o.grants);
    const feed = feedOf(blocks);
    const file = join(dir, 'grant-view.json');
    const view = await openLive(feed, source, file);
    const peer = { evaluate: (): Promise<never> => Promise.reject(new Error('the view was not live: the bench has no peer')) };
    const policy = new AccessPolicy(peer, source, view);
    for (let i = 0; i < Math.min(500, o.decisions); i++) {
      const p = pairs[i % pairs.length];
      if (p) await policy.check(p.study, p.recipient);
    }
    const latencies: number[] = [];
    let allowed = 0;
    for (let i = 0; i < o.decisions; i++) {
      const p = pairs[(i * 7919) % pairs.length];
      if (!p) break;
      const t = performance.now();
      const d = await policy.check(p.study, p.recipient);
      latencies.push(performance.now() - t);
      if (d.allowed) allowed++;
    }
    const t = performance.now();
    await view.close();
    const writeMs = performance.now() - t;
    const r = performance.now();
    const resumed = await openLive(feed, source, file);
    const resumeToLiveMs = performance.now() - r;
    await resumed.close();
    return {
      grants: o.grants,
      blocks: blocks.length,
      latencyMs: summarise(latencies),
      allowedShare: latencies.length ? allowed / latencies.length : 0,
      answeredByView: policy.answered.view - Math.min(500, o.decisions),
      checkpoint: { bytes: statSync(file).size, writeMs, resumeToLiveMs },
      loadAverage: loadavg(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  benchGrantDecision({ grants: arg('grants', 10_000), decisions: arg('decisions', 3_000) })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
}
