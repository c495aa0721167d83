import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { quantisationErrorBound, quantise } from './quantise';

/** Largest |m(C) - m'(C)| over all coalitions, for a given step d (brute force). */
function bruteForceGap(effective: readonly number[], weights: readonly number[], ratio: number, d: number): number {
  const eps = effective.map((e, i) => e - d * (weights[i] as number));
  const all = eps.reduce((a, b) => a + b, 0);
  let worst = 0;
  for (let mask = 0; mask < 1 << eps.length; mask += 1) {
    const inC = eps.reduce((a, e, i) => ((mask & (1 << i)) !== 0 ? a + e : a), 0);
    worst = Math.max(worst, Math.abs(inC - ratio * all));
  }
  return worst;
}

describe('quantise', () => {
  it('maps the largest member to the number of levels and keeps floored members at weight >= 1', () => {
    const { weights } = quantise([1000, 500, 240, 3, 0], 8);
    assert.deepEqual(weights, [8, 4, 2, 1, 0]);
  });

  it('reports a zero bound when weights are proportional to stakes', () => {
    const bound = quantisationErrorBound([30, 20, 10], [3, 2, 1], 0.5);
    assert.equal(bound.stake, 0);
    assert.equal(bound.step, 10);
  });

  it('matches the brute-force worst case at the chosen step and never undercuts it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 10 }),
        (effective, levels, tenths) => {
          const ratio = tenths / 10;
          const { weights } = quantise(effective, levels);
          const bound = quantisationErrorBound(effective, weights, ratio);
          const total = effective.reduce((a, b) => a + b, 0);
          // The closed form equals the brute-force maximum at the reported step (rounded to 1e-6)...
          const gap = bruteForceGap(effective, weights, ratio, bound.step);
          assert.ok(Math.abs(gap - bound.stake) <= 1e-5 * Math.max(1, total), `gap ${String(gap)} vs bound ${String(bound.stake)}`);
          // ...and no step does much better: the search found the minimum.
          for (const d of [bound.step * 0.9, bound.step * 1.1, total / 7]) {
            assert.ok(bruteForceGap(effective, weights, ratio, d) >= bound.stake - 1e-5 * Math.max(1, total));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
