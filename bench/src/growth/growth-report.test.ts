import assert from 'node:assert/strict';
import type { GrowthResult, GrowthRow } from '../sections/growth';
import { summarise } from '../stats';
import type { StepResult } from '../load';
import { combineLoads, type LoadFigures } from './grant-loader';
import { costRows, COST_HEAD, growthSection, loadRows, LOAD_HEAD } from './growth-report';

const load = (over: Partial<LoadFigures> = {}): LoadFigures => ({
  grantsBefore: 0,
  grantsAfter: 10_000,
  statementsSent: 10_100,
  applied: 10_000,
  refused: { STATEMENT_REPLAYED: 40 },
  refusedTotal: 40,
  failedBatches: { 'OVERLOADED: busy': 60 },
  statementsInFailedBatches: 60,
  committedBatches: 201,
  seconds: 100,
  statementsPerS: 100,
  txPerS: 2.01,
  consortiumCpuMs: 250_000,
  ...over,
});

const step = (p50: number, p99: number): StepResult => ({
  label: 's',
  durationS: 10,
  sent: 4,
  succeeded: 4,
  failed: 0,
  successPercent: 100,
  throughput: 20,
  latencyMs: { ...summarise([p50, p50, p50, p99]), p50, p99 },
  errors: [],
  timeline: [],
});

const restart = (behind: number, healthyS: number, caughtUpS: number) => ({
  peer: 'peer1.hospital1',
  stopS: 0.1,
  blocksBehind: behind,
  healthyS,
  gossipS: 5,
  caughtUpS,
  height: 9,
});

const row = (grants: number, cpu: number): GrowthRow => ({
  grants,
  load: load(),
  ledger: { peer: 'peer1.hospital1', height: 321, bytes: { total: 10 * 2 ** 20, blocks: 8 * 2 ** 20, state: 1.5 * 2 ** 20, history: 0.5 * 2 ** 20 } },
  allowAccess: {
    step: step(150, 400),
    cpuMsPerTx: { 'consortium total': cpu, peer: 12, chaincode: 5.3, orderer: 2.2, gateway: 4.2 },
    cpuMsPerTxAboveIdle: { 'consortium total': cpu - 4, peer: 10, chaincode: 5, orderer: 2, gateway: 3 },
    idleS: 15,
  },
  checkAccessEarly: { step: step(3.2, 7.5), allowedShare: 1 },
  checkAccessLate: { step: step(3.1, 7), allowedShare: 1 },
  historyEarly: { latencyMs: { ...summarise([20]), p50: 20, p99: 40 }, failed: 0 },
  historyLate: { latencyMs: { ...summarise([10]), p50: 10, p99: 30 }, failed: 0 },
  restart: restart(0, 0.6, 1.3),
  catchUp: restart(100, 0.7, 12.5),
  errors: {},
});

describe('growth: report rows', () => {
  it('one loading row per size: time, rates, refusals by code, blocks and bytes', () => {
    const rows = loadRows([row(10_000, 24), row(100_000, 30)]);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], ['10000', '100', '100.0', '2.0', '25.0', '40 (STATEMENT_REPLAYED 40)', '60', '321', '10.0 (8.0 / 1.5 / 0.5)']);
    assert.ok(rows.every((r) => r.length === LOAD_HEAD.length));
    const passed = loadRows([{ ...row(6_000, 24), load: load({ grantsAfter: 6_350 }) }]);
    assert.equal(passed[0]?.[0], '6000 (6350 loaded)');
  });

  it('one cost row per size, CPU per transaction beside the first size', () => {
    const rows = costRows([row(10_000, 24), row(100_000, 30)]);
    assert.deepEqual(rows[1], [
      '100000',
      '30.0 (1.25×)',
      '12.0 / 5.3 / 2.2 / 4.2',
      '26.0; 10.0 / 5.0 / 2.0 / 3.0',
      '150 / 400 (0)',
      '3.2 / 7.5; 3.1 / 7.0',
      '20.0 / 40.0; 10.0 / 30.0',
      '0.6 / 1.3',
      '100, 0.7 / 12.5',
    ]);
    assert.ok(rows.every((r) => r.length === COST_HEAD.length));
  });

  it('shows a measurement that failed as a dash and names the failure; a stopped run says why', () => {
    const failed: GrowthRow = { ...row(10_000, 24), errors: { catchUp: 'peer1.hospital1 to reach the others height: timed out' } };
    delete (failed as { catchUp?: unknown }).catchUp;
    const g: GrowthResult = {
      path: 'p',
      batchSize: 50,
      outstanding: 6,
      studies: 30,
      signingPerS: { native: 3000, jose: 1000 },
      options: {
        sizes: [10_000],
        batchSize: 50,
        outstanding: 6,
        studiesPerOrg: 10,
        allowRate: 20,
        allowS: 30,
        idleS: 15,
        checkRate: 100,
        checkS: 10,
        sampleKeys: 200,
        historyQueries: 50,
        catchUpBlocks: 100,
        restartPeer: 'peer1.hospital1',
      },
      rows: [failed],
      error: 'at 100000 grants: 50 batches in a row applied nothing',
    };
    const md = growthSection(g).join('\n');
    assert.match(md, /\| 10000 \|.*\| – \|$/m);
    assert.match(md, /at 10000 grants, catchUp failed: peer1\.hospital1/);
    assert.match(md, /\*\*Stopped:\*\* at 100000 grants/);
  });

  it('adds up a catch-up load and the load to the next size', () => {
    const c = combineLoads(
      load({ grantsBefore: 0, grantsAfter: 1_000, applied: 1_000, seconds: 10, committedBatches: 20 }),
      load({ grantsBefore: 1_000, grantsAfter: 10_000, applied: 9_000, seconds: 90, committedBatches: 180 }),
    );
    assert.equal(c.grantsBefore, 0);
    assert.equal(c.grantsAfter, 10_000);
    assert.equal(c.statementsPerS, 100);
    assert.equal(c.txPerS, 2);
    assert.deepEqual(c.refused, { STATEMENT_REPLAYED: 80 });
    assert.equal(c.consortiumCpuMs, 500_000);
    assert.equal(c.statementsInFailedBatches, 120);
  });
});
