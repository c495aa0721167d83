import * as assert from 'node:assert/strict';
import { Slots } from './slots';

describe('Slots', () => {
  it('never lets more than its size run at once, and runs every task in arrival order', async () => {
    const slots = new Slots(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 10 }, () => {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      return {
        promise,
        resolve: () => {
          resolve();
        },
      };
    });
    const runs = gates.map((gate, i) =>
      slots.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    for (const gate of gates) {
      gate.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(peak, 3);
    assert.equal(slots.held, 0);
  });

  it('frees the slot of a task that fails, and passes its error on', async () => {
    const slots = new Slots(1);
    await assert.rejects(
      slots.run(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await slots.run(() => Promise.resolve('next')), 'next');
    assert.equal(slots.held, 0);
  });

  it('refuses a size that is not a positive integer', () => {
    assert.throws(() => new Slots(0), RangeError);
    assert.throws(() => new Slots(1.5), RangeError);
  });
});
