import assert from 'node:assert/strict';
import { LoadPlan, type PlannedBatch } from './load-plan';

/** Takes every batch the plan allows now. */
function takeAll(plan: LoadPlan, target: number): PlannedBatch[] {
  const out: PlannedBatch[] = [];
  for (let b = plan.take(target); b; b = plan.take(target)) out.push(b);
  return out;
}

describe('growth: LoadPlan (chunked signing bounds)', () => {
  it('never has more than outstanding × batchSize statements unanswered, and reaches the target exactly despite refusals', () => {
    const plan = new LoadPlan({ batchSize: 50, outstanding: 6 });
    const target = 10_007;
    const used: number[] = [];
    let rounds = 0;
    let maxPending = 0;
    const inFlight: PlannedBatch[] = [];
    while (!plan.done(target)) {
      inFlight.push(...takeAll(plan, target));
      maxPending = Math.max(maxPending, plan.pendingStatements);
      assert.ok(plan.pendingBatches <= 6);
      const b = inFlight.shift();
      assert.ok(b, 'work left but nothing in flight');
      for (let i = b.from; i < b.from + b.count; i++) used.push(i);
      // Every seventh batch is refused entirely, every fifth loses three statements.
      const applied = rounds % 7 === 0 ? 0 : rounds % 5 === 0 ? Math.max(0, b.count - 3) : b.count;
      plan.settle(b, applied);
      rounds++;
    }
    assert.equal(plan.granted, target);
    assert.equal(maxPending, 300);
    assert.deepEqual(
      used,
      Array.from({ length: used.length }, (_, i) => i),
      'indices are used once each, in order',
    );
    assert.ok(used.length > target, 'refused statements were replaced by new ones');
  });

  it('takes nothing more once the target is covered by what is in flight', () => {
    const plan = new LoadPlan({ batchSize: 50, outstanding: 6 });
    const batches = takeAll(plan, 120);
    assert.deepEqual(batches, [
      { from: 0, count: 50 },
      { from: 50, count: 50 },
      { from: 100, count: 20 },
    ]);
    plan.settle(batches[0] as PlannedBatch, 50);
    assert.equal(plan.take(120), undefined);
    plan.settle(batches[1] as PlannedBatch, 40);
    assert.deepEqual(plan.take(120), { from: 120, count: 10 });
  });

  it('resumes where an earlier load stopped, and refuses bad bounds and answers', () => {
    const plan = new LoadPlan({ batchSize: 10, outstanding: 1 }, 500, 480);
    assert.deepEqual(plan.take(500), { from: 500, count: 10 });
    assert.equal(plan.take(500), undefined, 'one batch outstanding at most');
    assert.throws(() => {
      plan.settle({ from: 500, count: 10 }, 11);
    });
    assert.throws(() => new LoadPlan({ batchSize: 51, outstanding: 1 }));
    assert.throws(() => new LoadPlan({ batchSize: 10, outstanding: 0 }));
  });
});
