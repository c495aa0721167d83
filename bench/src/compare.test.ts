import assert from 'node:assert/strict';
import { compareRuns, comparisonConsole, comparisonMarkdown } from './compare';
import { headlineFigures } from './figures';

const latency = (p50: number, p99: number): Record<string, number> => ({ count: 10, p50, p95: p99, p99, max: p99, mean: p50 });

function step(rate: number | undefined, throughput: number, p50: number, p99: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    label: rate === undefined ? 'fixed load' : `fixed rate ${String(rate)} tx/s`,
    ...(rate === undefined ? { concurrency: 128 } : { targetRate: rate }),
    throughput,
    failed: 0,
    latencyMs: latency(p50, p99),
    processes: { peer: { cpuPercent: 60 }, 'consortium total': { cpuPercent: 150 } },
    ...extra,
  };
}

/** A run of today's schema: every-peer latency, hardware threads, batches. */
const now = {
  startedAt: '2026-11-26T07:00:00.000Z',
  mode: 'quick',
  machine: { cpus: 2, hardwareThreads: 4, loadBefore: [0.5, 0.4, 0.3] },
  allowAccess: {
    maxSustainedRate: 100,
    steps: [
      step(50, 50, 150, 300, { networkCommit: { latencyMs: latency(160, 320), missing: 1 } }),
      step(100, 99, 200, 900, { networkCommit: { latencyMs: latency(210, 950), missing: 0 } }),
    ],
    fixedLoad: step(undefined, 120, 900, 2000),
    search: [],
  },
  batches: [{ size: 10, statementsPerS: 400, cpuMsPerStatement: 3 }],
  errors: {},
};

/** A run from before the every-peer latency and hardwareThreads existed, with other steps and no batches. */
const before = {
  startedAt: '2026-11-21T13:04:31.826Z',
  mode: 'full',
  machine: { cpus: 2, loadBefore: [0.5, 1, 2] },
  allowAccess: {
    maxSustainedRate: 75,
    steps: [step(25, 25, 149, 264), step(50, 49, 175, 1035)],
    fixedLoad: step(undefined, 79.1, 1000, 3000),
    search: [],
  },
  errors: {},
};

const byKey = (rows: ReturnType<typeof compareRuns>): Map<string, (typeof rows)[number]> => new Map(rows.map((r) => [r.key, r]));

describe('comparing a run with an earlier one', () => {
  it('puts each figure beside the earlier value with the ratio new / old', () => {
    const rows = byKey(compareRuns(now, before));
    assert.deepEqual(
      ['allow.maxSustained', 'allow.capacity'].map((k) => {
        const r = rows.get(k);
        return [r?.now, r?.before, r?.ratio];
      }),
      [
        [100, 75, 100 / 75],
        [120, 79.1, 120 / 79.1],
      ],
    );
  });

  it('matches fixed-rate steps by offered rate, not by position, and keeps figures only one run has', () => {
    const rows = byKey(compareRuns(now, before));
    const p99at50 = rows.get('allow.fixed.50.p99');
    assert.deepEqual([p99at50?.now, p99at50?.before, p99at50?.ratio], [300, 1035, 300 / 1035]);
    // 100 tx/s only now, 25 tx/s only before: shown with the other side missing and no ratio.
    assert.deepEqual(
      [rows.get('allow.fixed.100.p50')?.now, rows.get('allow.fixed.100.p50')?.before, rows.get('allow.fixed.100.p50')?.ratio],
      [200, undefined, undefined],
    );
    assert.deepEqual([rows.get('allow.fixed.25.p50')?.now, rows.get('allow.fixed.25.p50')?.before], [undefined, 149]);
  });

  it('computes CPU per committed transaction per kind of process and the per-hardware-thread figures', () => {
    const figures = new Map(headlineFigures(now).map((f) => [f.key, f.value]));
    // 60 % of one core at 120 tx/s = 600 ms per second / 120 = 5 ms per transaction.
    assert.equal(figures.get('allow.capacity.cpu.peer'), 5);
    assert.equal(figures.get('allow.capacity.cpu.consortium total'), 12.5);
    assert.equal(figures.get('allow.capacity.perThread'), 30);
    assert.equal(figures.get('allow.maxSustained.perThread'), 25);
    // An older run recorded only cpus: that is its thread count.
    assert.equal(new Map(headlineFigures(before).map((f) => [f.key, f.value])).get('allow.capacity.perThread'), 79.1 / 2);
  });

  it('derives the highest rate with 0 failures from the steps (≥ 95 % of the offered rate committed)', () => {
    const figures = new Map(headlineFigures(before).map((f) => [f.key, f.value]));
    assert.equal(figures.get('allow.noFailures'), 50);
    const failing = { ...before, allowAccess: { ...before.allowAccess, steps: [step(25, 25, 1, 1), step(50, 40, 1, 1)] } };
    assert.equal(new Map(headlineFigures(failing).map((f) => [f.key, f.value])).get('allow.noFailures'), 25);
  });

  it('shows "–" for figures an older run lacks, in the Markdown and on the console', () => {
    const md = comparisonMarkdown(now, { file: 'old.json', results: before }).join('\n');
    assert.match(md, /\| AllowAccess fixed rate 50 tx\/s: p99 \(committed on every peer\) \| 320 ms \| – \| – \|/);
    assert.match(md, /\| statements\/s, 10 per transaction \| 400\.0 \/s \| – \| – \|/);
    assert.match(md, /\| AllowAccess maximum sustained rate \| 100 tx\/s \| 75 tx\/s \| 1\.33× \|/);
    assert.match(md, /Earlier run: 2026-11-21T13:04:31\.826Z \(full, load average before 0\.50 1\.00 2\.00\), `old\.json`/);
    const text = comparisonConsole(now, { file: 'old.json', results: before });
    assert.match(text, /AllowAccess fixed rate 25 tx\/s: p50 \(REST answer\) \(ms\) +– +149 +–/);
  });

  it('never fails on a malformed or foreign results file', () => {
    for (const junk of [null, 42, 'text', [], { startedAt: 1, allowAccess: { steps: 'none', fixedLoad: [] }, batches: {}, checkAccess: { steps: [null] } }]) {
      const rows = compareRuns(now, junk);
      assert.ok(rows.every((r) => r.before === undefined && r.ratio === undefined));
      assert.match(comparisonMarkdown(junk, { file: 'x', results: now }).join('\n'), /\| AllowAccess capacity \(fixed load\) \| – \| 120\.0 tx\/s \| – \|/);
    }
  });

  it('gives no ratio against an earlier value of 0', () => {
    const zero = { ...before, allowAccess: { ...before.allowAccess, maxSustainedRate: 0 } };
    const r = byKey(compareRuns(now, zero)).get('allow.maxSustained');
    assert.deepEqual([r?.now, r?.before, r?.ratio], [100, 0, undefined]);
  });
});
