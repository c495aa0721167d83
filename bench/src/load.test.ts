import assert from 'node:assert/strict';
import { BacklogError, fixedRate, type Operation } from './load';

/** Operations that stay outstanding until released, so a test decides when the system "answers". */
function heldOperations(): { readonly op: Operation; readonly release: () => void; readonly started: () => number } {
  const waiting: (() => void)[] = [];
  let started = 0;
  return {
    op: () => {
      started++;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: () => {
      for (const r of waiting.splice(0)) r();
    },
    started: () => started,
  };
}

describe('fixedRate', () => {
  it('counts operations answered within the drain bound as succeeded, with no backlog', async () => {
    const step = await fixedRate(() => Promise.resolve(), 200, { label: 'quick', durationS: 0.05, drainTimeoutS: 1 });
    assert.equal(step.sent, 10);
    assert.equal(step.succeeded, 10);
    assert.equal(step.failed, 0);
    assert.equal(step.backlog, undefined);
  });

  it('fails the operations left at the drain bound, then waits for them before returning, so the next step starts on a quiet system', async () => {
    const held = heldOperations();
    let windowEnded = false;
    const stepPromise = fixedRate(held.op, 200, {
      label: 'overloaded',
      durationS: 0.05,
      drainTimeoutS: 0.05,
      settleTimeoutS: 5,
      onWindowEnd: () => {
        windowEnded = true;
        // The leftovers are answered only after the measured window: the step must still wait for them.
        setImmediate(held.release);
      },
    });
    const step = await stepPromise;
    assert.ok(windowEnded, 'the window end was reported');
    assert.equal(held.started(), 10);
    assert.equal(step.succeeded, 0);
    assert.equal(step.failed, 10);
    assert.deepEqual(step.backlog?.unanswered, 10);
    assert.ok(
      step.errors.some((e) => e.includes('10× unanswered 0.05 s after the window')),
      step.errors.join('; '),
    );
  });

  it('names the step and the count when its leftovers never settle', async () => {
    const held = heldOperations();
    await assert.rejects(
      fixedRate(held.op, 200, { label: 'stuck', durationS: 0.02, drainTimeoutS: 0.02, settleTimeoutS: 0.05 }),
      (err: unknown) => err instanceof BacklogError && /stuck: 4 operations still unanswered 0.05 s after/.test(err.message),
    );
    held.release();
  });
});
