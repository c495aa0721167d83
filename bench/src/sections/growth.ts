import { createStatement } from '@isl/chaincode';
import { GatewayClient, type LedgerClient } from '@isl/application';
import type { BenchNetwork } from '../network';
import { combineLoads, loadGrants, type BatchAnswer, type LoaderDriver, type LoadFigures } from '../growth/grant-loader';
import { GrowthFixture } from '../growth/growth-fixture';
import { ledgerBytes, type LedgerBytes } from '../growth/ledger-size';
import { LoadPlan } from '../growth/load-plan';
import {
  allowAccessCost,
  checkAccessLatency,
  historyLatency,
  spread,
  type AllowAccessCost,
  type CheckAccessLatency,
  type HistoryLatency,
} from '../growth/measure';
import { HeightWatch, Peers } from '../growth/consortium-peers';
import { ProcessMonitor, type GroupFigures } from '../procstat';
import { timeRestart, type RestartFigures } from '../growth/peer-restart';

export interface GrowthOptions {
  /** Cumulative targets: grants the generator has applied on this ledger before each measurement. */
  readonly sizes: readonly number[];
  readonly batchSize: number;
  /** Batches in flight at most. */
  readonly outstanding: number;
  readonly studiesPerOrg: number;
  readonly allowRate: number;
  readonly allowS: number;
  /** The idle window measured before the AllowAccess step (its CPU is subtracted in the "above idle" figures). */
  readonly idleS: number;
  readonly checkRate: number;
  readonly checkS: number;
  /** Grants checked (and histories read) among the earliest and among the latest. */
  readonly sampleKeys: number;
  readonly historyQueries: number;
  /** Blocks committed while the restarted peer is down, for the catch-up figure. */
  readonly catchUpBlocks: number;
  readonly restartPeer: string;
  readonly root: string;
  readonly fixtureFile: string;
  readonly log: (m: string) => void;
}

/** One size: the load that reached it, the ledger then, and what each measurement gave (or why it failed). */
export interface GrowthRow {
  readonly grants: number;
  /** Every load since the previous size's measurements: the previous catch-up's, then up to this size. */
  readonly load: LoadFigures;
  readonly ledger: { readonly peer: string; readonly height: number; readonly bytes: LedgerBytes };
  readonly allowAccess?: AllowAccessCost;
  readonly checkAccessEarly?: CheckAccessLatency;
  readonly checkAccessLate?: CheckAccessLatency;
  readonly historyEarly?: HistoryLatency;
  readonly historyLate?: HistoryLatency;
  readonly restart?: RestartFigures;
  readonly catchUp?: RestartFigures;
  /** The grants loaded while the peer was down (counted in the next size's `load` too). */
  readonly catchUpLoad?: LoadFigures;
  readonly errors: Readonly<Record<string, string>>;
}

export interface GrowthResult {
  readonly path: string;
  readonly batchSize: number;
  readonly outstanding: number;
  readonly studies: number;
  /** Statements per second one core signs: the generator's signer (Node crypto) and jose's createStatement. */
  readonly signingPerS: { readonly native: number; readonly jose: number };
  readonly options: Omit<GrowthOptions, 'log' | 'root' | 'fixtureFile'>;
  readonly rows: readonly GrowthRow[];
  /** Why the section stopped before its last size. */
  readonly error?: string;
}

/** The loader's driver: the fixture's grants, batches through the gateways round-robin (member token). */
function driver(net: BenchNetwork, fixture: GrowthFixture): LoaderDriver {
  // Its own clients: an unknown outcome is resent (statements apply at most once), so no applied grant goes uncounted.
  const clients = net.orgs.map((o) => new GatewayClient({ baseUrl: o.restUrl, token: o.token, timeoutMs: 120_000, overloadRetries: 0, outcomeRetries: 3 }));
  return {
    sign: (b) => Array.from({ length: b.count }, (_, k) => fixture.sign(b.from + k, 365 * 86_400)),
    send: async (statements, request): Promise<BatchAnswer> => {
      const client = clients[request % clients.length];
      if (!client) throw new Error('no gateway');
      const answer = await client.relayBatch(statements);
      const refused = answer.results.filter((r) => r.status !== 201 && r.status !== 200).map((r) => String((r.body as { code?: string }).code ?? r.status));
      return { applied: answer.results.length - refused.length, refused };
    },
  };
}

function signingRates(fixture: GrowthFixture, audience: string): Promise<{ native: number; jose: number }> {
  const n = 200;
  let t = performance.now();
  for (let i = 0; i < n; i++) fixture.sign(i, 86_400);
  const native = n / ((performance.now() - t) / 1000);
  const g = fixture.grant(0);
  t = performance.now();
  return Promise.all(
    Array.from({ length: n }, () =>
      createStatement('AllowAccess', { source: g.study.source, study: g.study.study, recipient: g.recipient, until: 0, purpose: 'TREAT' }, g.study.patient, {
        audience,
      }),
    ),
  ).then(() => ({ native, jose: n / ((performance.now() - t) / 1000) }));
}

interface Run {
  readonly net: BenchNetwork;
  readonly o: GrowthOptions;
  readonly fixture: GrowthFixture;
  readonly plan: LoadPlan;
  readonly peers: Peers;
  readonly loader: LoaderDriver;
  readonly ledgers: readonly LedgerClient[];
  /** Grants loaded while the restarted peer was down: they count towards the next size's load. */
  carry?: LoadFigures;
}

async function load(run: Run, target: number, stop?: (height: number) => boolean, except?: string): Promise<LoadFigures> {
  const watch = new HeightWatch(run.peers, except);
  const monitor = new ProcessMonitor(run.net.runDir, 5_000);
  const started = performance.now();
  monitor.start();
  let figures: LoadFigures;
  let total: GroupFigures | undefined;
  try {
    figures = await loadGrants(run.plan, target, run.loader, {
      log: run.o.log,
      progressMs: 10_000,
      maxFailuresInARow: 50,
      describe: () => `height ${String(watch.height)}`,
      ...(stop ? { stop: () => stop(watch.height) } : {}),
    });
  } finally {
    total = monitor.stop()['consortium total'];
    watch.stop();
    run.fixture.state.next = run.plan.next;
    run.fixture.state.granted = run.plan.granted;
    run.fixture.save();
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...figures, ...(total ? { consortiumCpuMs: (total.cpuPercent / 100) * seconds * 1000 } : {}) };
}

/** Runs one measurement; a failure is recorded in the row, and the next measurement still runs. */
async function measured<T>(errors: Record<string, string>, name: string, log: (m: string) => void, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (err) {
    errors[name] = (err as Error).message;
    log(`growth ${name} failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** (a)–(c) on the ledger as it is now. */
async function measureReads(run: Run, size: number, errors: Record<string, string>): Promise<Partial<GrowthRow>> {
  const { o, fixture, net } = run;
  const label = `${String(size)} grants`;
  const allowAccess = await measured(errors, 'allowAccess', o.log, () => allowAccessCost(net, fixture, label, o.allowRate, o.allowS, o.idleS));
  if (allowAccess)
    o.log(
      `AllowAccess ${String(o.allowRate)} tx/s at ${label}: ${(allowAccess.cpuMsPerTx['consortium total'] ?? 0).toFixed(1)} ms CPU per tx (${(allowAccess.cpuMsPerTxAboveIdle['consortium total'] ?? 0).toFixed(1)} above idle), p50 ${allowAccess.step.latencyMs.p50.toFixed(0)} ms, p99 ${allowAccess.step.latencyMs.p99.toFixed(0)} ms, ${String(allowAccess.step.failed)} failed`,
    );
  const early = spread(0, Math.min(run.plan.next, Math.max(o.sampleKeys, Math.floor(run.plan.next / 100))), o.sampleKeys);
  const late = spread(Math.max(0, run.plan.next - o.sampleKeys), run.plan.next, o.sampleKeys);
  const check = (indices: number[], which: string): Promise<CheckAccessLatency | undefined> =>
    measured(errors, `checkAccess${which}`, o.log, async () => {
      const r = await checkAccessLatency(run.ledgers, fixture, indices, `CheckAccess ${which.toLowerCase()} grants at ${label}`, o.checkRate, o.checkS);
      o.log(
        `${r.step.label}: p50 ${r.step.latencyMs.p50.toFixed(1)} ms, p99 ${r.step.latencyMs.p99.toFixed(1)} ms, ${(r.allowedShare * 100).toFixed(0)} % allowed`,
      );
      return r;
    });
  const checkAccessEarly = await check(early, 'Early');
  const checkAccessLate = await check(late, 'Late');
  const history = (indices: number[], which: string): Promise<HistoryLatency | undefined> =>
    measured(errors, `history${which}`, o.log, async () => {
      const r = await historyLatency(net, fixture, indices.slice(0, o.historyQueries));
      o.log(`grant history, ${which.toLowerCase()} grants at ${label}: p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`);
      return r;
    });
  const historyEarly = await history(early, 'Early');
  const historyLate = await history(late, 'Late');
  return {
    ...(allowAccess ? { allowAccess } : {}),
    ...(checkAccessEarly ? { checkAccessEarly } : {}),
    ...(checkAccessLate ? { checkAccessLate } : {}),
    ...(historyEarly ? { historyEarly } : {}),
    ...(historyLate ? { historyLate } : {}),
  };
}

/** (d) The peer restarted on its ledger, then again after `catchUpBlocks` blocks were committed while it was down. */
async function measureRestart(run: Run, errors: Record<string, string>): Promise<Partial<GrowthRow>> {
  const { o, peers } = run;
  const peer = peers.restartable(o.restartPeer);
  const others = { otherPeers: peers.names().length - 1, othersHeight: () => peers.maxHeight(o.restartPeer), timeoutMs: 900_000, log: o.log };
  const restart = await measured(errors, 'restart', o.log, () => timeRestart(peer, others));
  let catchUpLoad: LoadFigures | undefined;
  const catchUp = await measured(errors, 'catchUp', o.log, () =>
    timeRestart(peer, {
      ...others,
      whileDown: async () => {
        const from = await peers.maxHeight(o.restartPeer);
        o.log(`${o.restartPeer} down: loading until ${String(o.catchUpBlocks)} more blocks are committed (height ${String(from)})`);
        catchUpLoad = await load(run, Number.MAX_SAFE_INTEGER, (h) => h >= from + o.catchUpBlocks, o.restartPeer);
      },
    }),
  );
  await peers.sameHeight();
  run.carry = catchUpLoad;
  return { ...(restart ? { restart } : {}), ...(catchUp ? { catchUp } : {}), ...(catchUpLoad ? { catchUpLoad } : {}) };
}

/**
 * Issue 15, goal 6: cost as the ledger grows. For each size, loads AllowAccess grants in batches
 * until the generator has applied that many on this ledger (kept across runs), then measures
 * AllowAccess CPU per transaction, CheckAccess and history latency for early and late grants, and
 * a peer's restart and catch-up.
 */
export async function benchGrowth(net: BenchNetwork, o: GrowthOptions): Promise<GrowthResult> {
  const fixture = await GrowthFixture.open(net, o.fixtureFile, o.studiesPerOrg, o.log);
  const peers = new Peers(o.root, net);
  const run: Run = {
    net,
    o,
    fixture,
    peers,
    plan: new LoadPlan({ batchSize: o.batchSize, outstanding: o.outstanding }, fixture.state.next, fixture.state.granted),
    loader: driver(net, fixture),
    ledgers: net.peers().map(([org, i]) => net.ledger(org, i)),
  };
  const signingPerS = await signingRates(fixture, net.audience);
  o.log(`signing: ${signingPerS.native.toFixed(0)} statements/s with Node's crypto, ${signingPerS.jose.toFixed(0)}/s with jose`);
  const rows: GrowthRow[] = [];
  const options: GrowthResult['options'] = {
    sizes: o.sizes,
    batchSize: o.batchSize,
    outstanding: o.outstanding,
    studiesPerOrg: o.studiesPerOrg,
    allowRate: o.allowRate,
    allowS: o.allowS,
    idleS: o.idleS,
    checkRate: o.checkRate,
    checkS: o.checkS,
    sampleKeys: o.sampleKeys,
    historyQueries: o.historyQueries,
    catchUpBlocks: o.catchUpBlocks,
    restartPeer: o.restartPeer,
  };
  const result = (error?: string): GrowthResult => ({
    path: `AllowAccess batches of ${String(o.batchSize)} → POST /api/v1/statements/batch of the 3 gateways round-robin (member token) → SubmitBatch`,
    batchSize: o.batchSize,
    outstanding: o.outstanding,
    studies: fixture.state.studies.length,
    signingPerS,
    options,
    rows,
    ...(error === undefined ? {} : { error }),
  });
  for (const size of o.sizes) {
    try {
      rows.push(await measureSize(run, size));
    } catch (err) {
      return result(`at ${String(size)} grants: ${(err as Error).message}`);
    }
  }
  return result();
}

async function measureSize(run: Run, size: number): Promise<GrowthRow> {
  const { o, peers } = run;
  o.log(`growth: loading to ${String(size)} grants (${String(run.plan.granted)} loaded)`);
  const carried = run.carry;
  run.carry = undefined;
  const loaded = carried ? combineLoads(carried, await load(run, size)) : await load(run, size);
  const height = await peers.sameHeight();
  const bytes = ledgerBytes(peers.dataOf(o.restartPeer));
  o.log(`ledger at ${String(run.plan.granted)} grants: height ${String(height)}, ${(bytes.total / 2 ** 20).toFixed(1)} MiB (${o.restartPeer})`);
  const errors: Record<string, string> = {};
  const reads = await measureReads(run, size, errors);
  const restart = await measureRestart(run, errors);
  return { grants: size, load: loaded, ledger: { peer: o.restartPeer, height, bytes }, ...reads, ...restart, errors };
}
