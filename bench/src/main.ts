#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BenchNetwork } from './network';
import type { EarlierRun } from './compare';
import { consoleSummary, latencySvg, markdown, type BenchResults } from './report';
import { benchAllowAccess } from './sections/allow-access';
import { relayBatches } from './sections/batch-relay';
import { benchCheckAccess } from './sections/check-access';
import { benchGrowth, type GrowthOptions } from './sections/growth';
import { benchOperations } from './sections/operations';
import { benchPublishing } from './sections/publishing';
import { benchRetrieval } from './sections/retrieval';

const SECTIONS = ['allow', 'batch', 'check', 'retrieval', 'publish', 'ops', 'growth'] as const;
type Section = (typeof SECTIONS)[number];
/** `growth` loads the ledger for a long time and leaves it grown: only when asked for (--only growth). */
const DEFAULT_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s !== 'growth');

interface Options {
  /** Only rewrite the Markdown report from a results JSON file (after the report's code changed). */
  readonly report?: string;
  readonly quick: boolean;
  readonly sections: readonly Section[];
  readonly coldStart: boolean;
  readonly warmRestart: boolean;
  readonly rates?: readonly number[];
  /** An earlier run's results JSON to print every figure beside. */
  readonly compare?: string;
  /** Measure AllowAccess latency until committed on every peer too (block event streams on every peer). */
  readonly networkCommit: boolean;
  /** growth: cumulative grant counts to load and measure at. */
  readonly grants: readonly number[];
}

const USAGE = `usage: npm run bench -- [--quick] [--only allow,batch,check,retrieval,publish,ops,growth] [--rates 25,50,...] [--grants 10000,100000] [--no-cold-start] [--no-restart]
                        [--no-network-commit] [--compare bench/results/<earlier run>.json]
       npm run bench -- --report bench/results/<run>.json [--compare bench/results/<earlier run>.json]
                        (rewrites that run's .md and the chart, beside the earlier run's figures with --compare)
Runs against the running \`npm start\` consortium (.run/consortium); writes bench/results/.`;

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let sections: Section[] = [...DEFAULT_SECTIONS];
  let grants = [10_000];
  let coldStart = true;
  let warmRestart = true;
  let rates: number[] | undefined;
  let report: string | undefined;
  let compare: string | undefined;
  let networkCommit = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--report') report = argv[++i];
    else if (a === '--no-cold-start') coldStart = false;
    else if (a === '--no-restart') warmRestart = false;
    else if (a === '--no-network-commit') networkCommit = false;
    else if (a === '--compare') compare = argv[++i];
    else if (a === '--only') sections = (argv[++i] ?? '').split(',').filter((s): s is Section => (SECTIONS as readonly string[]).includes(s));
    else if (a === '--grants')
      grants = (argv[++i] ?? '')
        .split(',')
        .map(Number)
        .filter((n) => Number.isSafeInteger(n) && n > 0);
    else if (a === '--rates')
      rates = (argv[++i] ?? '')
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
    else {
      process.stderr.write(`${USAGE}\n`);
      process.exit(a === '--help' || a === '-h' ? 0 : 2);
    }
  }
  return {
    quick,
    sections,
    coldStart,
    warmRestart,
    networkCommit,
    grants,
    ...(rates ? { rates } : {}),
    ...(report ? { report } : {}),
    ...(compare ? { compare } : {}),
  };
}

function endorsementPolicy(root: string): string {
  try {
    const status = JSON.parse(
      execFileSync('bash', ['scripts/run.sh', 'application/dist/services/main.js', 'status'], { cwd: root, encoding: 'utf8', timeout: 60_000 }),
    ) as { chaincode?: { endorsementPolicy?: string; sequence?: number } };
    return `${status.chaincode?.endorsementPolicy ?? 'unknown'} (definition sequence ${String(status.chaincode?.sequence ?? '?')})`;
  } catch {
    return 'unknown (status failed)';
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const root = resolve(__dirname, '..', '..');
  // Read before the run: a wrong file is refused at once, not after 15 minutes of load.
  const earlier = o.compare === undefined ? undefined : readEarlierRun(o.compare);
  if (o.report !== undefined) {
    rewriteReport(o.report, earlier);
    return;
  }
  const runDir = process.env.ISL_RUN_DIR ?? join(root, '.run', 'consortium');
  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const log = (m: string): void => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  };
  const results: { -readonly [K in keyof BenchResults]: BenchResults[K] } = {
    startedAt: new Date().toISOString(),
    mode: o.quick ? 'quick' : 'full',
    machine: { cpus: cpus().length, hardwareThreads: availableParallelism(), memGiB: totalmem() / 2 ** 30, loadBefore: loadavg(), node: process.version },
    errors: {},
  };
  log(
    `${results.mode} run, sections ${o.sections.join(', ')}; load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const net = await BenchNetwork.open(runDir);
  const attempt = async (name: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      results.errors[name] = (err as Error).stack ?? String(err);
      log(`${name} failed: ${(err as Error).message}`);
    }
  };
  try {
    await benchLedger({ net, o, root, outDir, log, results, attempt });
  } finally {
    net.close();
  }
  if (o.sections.includes('ops')) {
    await attempt('operations', async () => {
      results.operations = await benchOperations({
        root,
        runDir,
        coldStart: o.coldStart,
        warmRestart: o.warmRestart,
        coldBasePort: 7400,
        idleS: o.quick ? 5 : 15,
        log,
      });
    });
  }
  results.machine = { ...results.machine, loadAfter: loadavg() };
  writeResults(outDir, results, earlier);
  if (Object.keys(results.errors).length) process.exitCode = 1;
}

interface LedgerRun {
  readonly net: BenchNetwork;
  readonly o: ReturnType<typeof parseArgs>;
  readonly root: string;
  readonly outDir: string;
  readonly log: (m: string) => void;
  readonly results: { -readonly [K in keyof BenchResults]: BenchResults[K] };
  readonly attempt: (name: string, run: () => Promise<void>) => Promise<void>;
}

/** The sections that transact through the running consortium. */
async function benchLedger({ net, o, root, outDir, log, results, attempt }: LedgerRun): Promise<void> {
  const stepS = o.quick ? 10 : 60;
  if (o.sections.includes('allow')) {
    await attempt('allowAccess', async () => {
      results.allowAccess = await benchAllowAccess(
        net,
        {
          rates: o.rates ?? [25, 50, 100, 150, 200],
          stepS,
          warmupS: o.quick ? 5 : 15,
          studiesPerOrg: o.quick ? 4 : 10,
          fixedLoadConcurrency: 128,
          searchAttempts: o.quick ? 1 : 3,
          ...(o.networkCommit ? { networkCommitBoundS: 30 } : {}),
          log,
        },
        endorsementPolicy(root),
      );
      writeFileSync(join(outDir, 'allow-access-latency.svg'), latencySvg([...results.allowAccess.steps, ...results.allowAccess.search]));
    });
  }
  if (o.sections.includes('batch')) {
    await attempt('batches', async () => {
      results.batches = await relayBatches(net, {
        sizes: [1, 10, 50],
        inFlight: 128,
        stepS: o.quick ? 10 : 30,
        maxStatements: o.quick ? 2_000 : 12_000,
        log,
      });
    });
  }
  if (o.sections.includes('check')) {
    await attempt('checkAccess', async () => {
      results.checkAccess = await benchCheckAccess(net, {
        rates: o.quick ? [500, 1000] : [500, 1000, 1500],
        stepS: o.quick ? 10 : 30,
        decisions: o.quick ? 500 : 3000,
        log,
      });
    });
  }
  if (o.sections.includes('retrieval')) {
    await attempt('retrieval', async () => {
      results.retrieval = await benchRetrieval(net, {
        rounds: o.quick ? 2 : 5,
        instances: 200,
        size: 512,
        fixtureFile: join(outDir, '.retrieval-fixture.json'),
        log,
      });
    });
  }
  if (o.sections.includes('growth')) {
    await attempt('growth', async () => {
      results.growth = await benchGrowth(net, growthOptions(o, root, outDir, log));
      if (results.growth.error !== undefined) throw new Error(results.growth.error);
    });
  }
  if (o.sections.includes('publish')) {
    await attempt('publishing', async () => {
      results.publishing = await benchPublishing(net, { rounds: o.quick ? 2 : 3, instances: 200, size: 512, log });
    });
  }
}

/** A results file as parsed JSON; exits with a clear message if it cannot be read or is not a benchmark run. */
function readEarlierRun(file: string): EarlierRun {
  try {
    const results = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof results !== 'object' || results === null || typeof (results as { startedAt?: unknown }).startedAt !== 'string')
      throw new Error('not a benchmark results file (no startedAt)');
    return { file, results };
  } catch (err) {
    process.stderr.write(`--compare ${file}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** The growth section's settings: 30 s AllowAccess steps and 100 blocks of catch-up (10 s and 20 with --quick). */
function growthOptions(o: Options, root: string, outDir: string, log: (m: string) => void): GrowthOptions {
  return {
    sizes: o.grants,
    batchSize: 50,
    outstanding: 6,
    studiesPerOrg: 10,
    allowRate: 20,
    allowS: o.quick ? 10 : 30,
    idleS: o.quick ? 5 : 15,
    checkRate: 100,
    checkS: 10,
    sampleKeys: 200,
    historyQueries: 50,
    catchUpBlocks: o.quick ? 20 : 100,
    restartPeer: 'peer1.hospital1',
    root,
    fixtureFile: join(outDir, '.growth-fixture.json'),
    log,
  };
}

/** --report: the Markdown report and latency chart again from a run's JSON results. */
function rewriteReport(file: string, earlier: EarlierRun | undefined): void {
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  writeFileSync(file.replace(/\.json$/, '.md'), markdown(results, earlier));
  if (results.allowAccess)
    writeFileSync(join(dirname(file), 'allow-access-latency.svg'), latencySvg([...results.allowAccess.steps, ...results.allowAccess.search]));
  process.stdout.write(`${consoleSummary(results, earlier)}\n`);
}

/** The run's results as JSON and Markdown, stamped and as latest. */
function writeResults(outDir: string, results: BenchResults, earlier: EarlierRun | undefined): void {
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 2);
  const md = markdown(results, earlier);
  for (const name of [`bench-${stamp}`, 'latest']) {
    writeFileSync(join(outDir, `${name}.json`), json);
    writeFileSync(join(outDir, `${name}.md`), md);
  }
  process.stdout.write(
    `\n${consoleSummary(results, earlier)}\n\nReport: ${join(outDir, 'latest.md')} (and bench-${stamp}.md/.json, allow-access-latency.svg)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
