import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { loadGrants, type BatchAnswer, type LoaderDriver } from './grant-loader';
import { LoadPlan } from './load-plan';

const quiet = { log: () => undefined, progressMs: 60_000, maxFailuresInARow: 5 };

/** A fake consortium: answers each batch after a tick, by a rule on its request number. */
function fakeDriver(answer: (request: number, statements: readonly string[]) => BatchAnswer | Error): LoaderDriver & { maxUnanswered: number; sent: number } {
  let unanswered = 0;
  const d = {
    maxUnanswered: 0,
    sent: 0,
    sign: (b: { from: number; count: number }) => {
      unanswered += b.count;
      d.maxUnanswered = Math.max(d.maxUnanswered, unanswered);
      return Array.from({ length: b.count }, (_, k) => `statement-${String(b.from + k)}`);
    },
    send: async (statements: readonly string[], request: number): Promise<BatchAnswer> => {
      d.sent++;
      await tick();
      unanswered -= statements.length;
      const a = answer(request, statements);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return d;
}

describe('growth: loadGrants', () => {
  it('counts refused statements and failed batches, goes on past them, and reaches the target', async () => {
    const driver = fakeDriver((request, statements) => {
      if (request % 4 === 1) return new Error('OVERLOADED: busy (HTTP 503)');
      if (request % 4 === 2) return { applied: statements.length - 2, refused: ['STATEMENT_REPLAYED', 'STUDY_NOT_FOUND'] };
      return { applied: statements.length, refused: [] };
    });
    const plan = new LoadPlan({ batchSize: 50, outstanding: 6 });
    const f = await loadGrants(plan, 2_000, driver, quiet);
    assert.equal(f.grantsAfter, 2_000);
    assert.equal(f.applied, 2_000);
    assert.ok(f.refusedTotal > 0 && f.statementsInFailedBatches > 0);
    assert.equal(f.refused.STATEMENT_REPLAYED, f.refusedTotal / 2);
    assert.equal(f.applied + f.refusedTotal + f.statementsInFailedBatches, f.statementsSent, 'every statement sent is accounted for');
    assert.ok(driver.maxUnanswered <= 300, `at most 6 batches of 50 signed and unanswered (saw ${String(driver.maxUnanswered)})`);
  });

  it('gives up, naming the failure, when batches in a row apply nothing', async () => {
    const driver = fakeDriver(() => new Error('GATEWAY_UNREACHABLE: down'));
    await assert.rejects(
      loadGrants(new LoadPlan({ batchSize: 50, outstanding: 2 }), 1_000, driver, quiet),
      /[5-6] batches in a row applied nothing.*GATEWAY_UNREACHABLE/,
    );
    assert.ok(driver.sent < 10, 'stopped soon');
  });

  it('stops sending when told to, and counts what was in flight', async () => {
    const driver = fakeDriver((_, statements) => ({ applied: statements.length, refused: [] }));
    const plan = new LoadPlan({ batchSize: 50, outstanding: 3 });
    const f = await loadGrants(plan, Number.MAX_SAFE_INTEGER, driver, { ...quiet, stop: () => driver.sent >= 10 });
    assert.equal(f.applied, f.statementsSent);
    assert.equal(f.committedBatches, driver.sent);
    assert.ok(driver.sent >= 10 && driver.sent <= 12);
    assert.equal(plan.pendingBatches, 0);
  });
});
