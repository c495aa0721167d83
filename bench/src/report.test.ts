import assert from 'node:assert/strict';
import { consoleSummary, markdown, type BenchResults } from './report';

const latency = (p50: number, p99: number): Record<string, number> => ({ count: 10, p50, p95: p99, p99, max: p99, mean: p50 });

function step(label: string, rate: number | undefined, throughput: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    label,
    ...(rate === undefined ? { concurrency: 128 } : { targetRate: rate }),
    durationS: 10,
    sent: 100,
    succeeded: 100,
    failed: 0,
    successPercent: 100,
    throughput,
    latencyMs: latency(150, 300),
    errors: [],
    timeline: [],
    processes: { peer: { cpuPercent: 60, rssMeanMb: 100, rssPeakMb: 120 } },
    sustained: true,
    ...extra,
  };
}

function run(o: { threads?: number; networkCommit?: Record<string, unknown> }): BenchResults {
  const fixedLoad = step('fixed load 128 outstanding', undefined, 120, o.networkCommit ? { networkCommit: o.networkCommit } : {});
  return {
    startedAt: '2026-11-26T07:00:00.000Z',
    mode: 'quick',
    machine: { cpus: 2, ...(o.threads ? { hardwareThreads: o.threads } : {}), memGiB: 23, loadBefore: [0.5, 0.5, 0.5], node: 'v24' },
    allowAccess: {
      path: 'p',
      endorsementPolicy: 'policy',
      warmup: step('warm-up 25 tx/s', 25, 25),
      steps: [step('fixed rate 10 tx/s', 10, 10, o.networkCommit ? { networkCommit: o.networkCommit } : {})],
      fixedLoad,
      search: [],
      maxSustainedRate: 10,
      signingRatePerS: 1000,
    },
    errors: {},
  } as unknown as BenchResults;
}

const everyPeer = {
  peers: 4,
  tracked: 100,
  missing: 2,
  boundS: 30,
  latencyMs: latency(170, 340),
  spreadMs: latency(5, 20),
  streamErrors: ['peer1.hospital2: stream ended'],
};

describe('the benchmark report', () => {
  it('gives AllowAccess latency two ways per step, with the transactions not seen on every peer', () => {
    const md = markdown(run({ threads: 4, networkCommit: everyPeer }));
    assert.match(md, /\| fixed rate 10 tx\/s \| 150 \/ 300 \/ 300 \| 170 \/ 340 \/ 340 \| 5 \/ 20 \| 100 \| 2 \| 4 \| 30 \|/);
    assert.match(md, /block streams in fixed rate 10 tx\/s: peer1\.hospital2: stream ended/);
    assert.match(consoleSummary(run({ networkCommit: everyPeer })), /fixed rate 10 tx\/s .*\| +170 +340 +340 +2$/m);
  });

  it('reports capacity and maximum sustained rate per hardware thread beside the Caliper figures', () => {
    const md = markdown(run({ threads: 4 }));
    assert.match(
      md,
      /\| capacity per hardware thread \(4 threads\) \| 30\.0 tx\/s \| +\| Hyperledger Caliper.*27 tx\/s per hardware thread.*70 for an empty transaction/,
    );
    assert.match(md, /\| maximum sustained rate per hardware thread \| 2\.5 tx\/s \|/);
    // A run from before hardwareThreads was recorded: its CPU count.
    assert.match(markdown(run({})), /capacity per hardware thread \(2 threads\) \| 60\.0 tx\/s/);
  });

  it('renders a run without the every-peer figures (older runs, or --no-network-commit) without that table', () => {
    const old = run({});
    const md = markdown(old);
    assert.doesNotMatch(md, /Latency two ways/);
    assert.match(consoleSummary(old), /fixed rate 10 tx\/s .*\| +– +– +– +–$/m);
  });

  it('adds the comparison with an earlier run as a section, and to the console summary', () => {
    const earlier = { file: 'bench/results/old.json', results: run({ threads: 2 }) };
    const now = run({ threads: 4 });
    assert.match(
      markdown(now, earlier),
      /## Compared with an earlier run[\s\S]*\| AllowAccess capacity per hardware thread \| 30\.0 tx\/s \| 60\.0 tx\/s \| 0\.50× \|/,
    );
    assert.match(consoleSummary(now, earlier), /compared with bench\/results\/old\.json/);
    assert.doesNotMatch(markdown(now), /Compared with/);
  });
});
