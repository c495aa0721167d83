import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { compileStakePolicy } from './compile';
import { listMinimalCoalitions, pickEndorsers } from './endorsers';
import { isSatisfiedBy } from './evaluator';
import { MORE_THAN_HALF, type StakeThreshold } from './threshold';

const TWO_THIRDS: StakeThreshold = { numerator: 2, denominator: 3, strict: false };

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 1 << items.length }, (_, mask) => items.filter((_, i) => (mask & (1 << i)) !== 0));
}

describe('pickEndorsers', () => {
  const compiled = compileStakePolicy({ stakes: { Alpha: 50, Beta: 30, Gamma: 15, Delta: 5 }, threshold: MORE_THAN_HALF, floorWeight: 1 });

  it('picks the fewest organisations, heaviest first', () => {
    assert.deepEqual(pickEndorsers(compiled, ['Delta', 'Gamma', 'Beta', 'Alpha']), ['Alpha', 'Beta']);
  });

  it('works around unavailable organisations', () => {
    assert.deepEqual(pickEndorsers(compiled, ['Beta', 'Gamma', 'Delta']), undefined);
    assert.deepEqual(pickEndorsers(compiled, ['Alpha', 'Gamma', 'Delta']), ['Alpha', 'Gamma']);
  });

  it('ignores organisations the policy does not know and duplicates', () => {
    assert.deepEqual(pickEndorsers(compiled, ['Alpha', 'Stranger', 'Alpha', 'Delta']), ['Alpha', 'Delta']);
  });

  it('breaks ties deterministically by stake, then MSP ID', () => {
    const equal = compileStakePolicy({ stakes: { C: 10, A: 10, B: 10 }, threshold: MORE_THAN_HALF, floorWeight: 1 });
    assert.deepEqual(pickEndorsers(equal, ['C', 'B', 'A']), ['A', 'B']);
  });

  it('returns a smallest satisfying subset of what is available (property, against brute force)', () => {
    const input = fc.record({
      values: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 9 }),
      availableMask: fc.nat(),
      maxTerms: fc.constantFrom(8, 30, Number.POSITIVE_INFINITY),
    });
    fc.assert(
      fc.property(input, ({ values, availableMask, maxTerms }) => {
        const stakes = Object.fromEntries(values.map((v, i) => [`O${String(i)}`, v]));
        const policy = compileStakePolicy({ stakes, threshold: TWO_THIRDS, floorWeight: 1, maxTerms: Math.max(maxTerms, values.length) });
        const available = Object.keys(stakes).filter((_, i) => (availableMask & (1 << i)) !== 0);
        const picked = pickEndorsers(policy, available);
        const satisfying = subsets(available).filter((s) => isSatisfiedBy(policy.rule, s));
        if (satisfying.length === 0) {
          assert.equal(picked, undefined);
          return;
        }
        assert.ok(picked !== undefined);
        assert.ok(picked.every((o) => available.includes(o)));
        assert.ok(isSatisfiedBy(policy.rule, picked));
        assert.equal(picked.length, Math.min(...satisfying.map((s) => s.length)));
        for (const drop of picked) {
          assert.equal(
            isSatisfiedBy(
              policy.rule,
              picked.filter((o) => o !== drop),
            ),
            false,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('listMinimalCoalitions', () => {
  it('lists exactly the inclusion-minimal satisfying sets (property, against brute force)', () => {
    const input = fc.record({
      values: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }),
      floorWeight: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(input, ({ values, floorWeight }) => {
        fc.pre(values.some((v) => Math.max(v, floorWeight) > 0));
        const stakes = Object.fromEntries(values.map((v, i) => [`O${String(i)}`, v]));
        const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight, maxTerms: Number.POSITIVE_INFINITY });
        const listing = listMinimalCoalitions(compiled);
        assert.equal(listing.complete, true);
        const minimal = subsets(Object.keys(stakes)).filter(
          (s) =>
            isSatisfiedBy(compiled.rule, s) &&
            s.every(
              (drop) =>
                !isSatisfiedBy(
                  compiled.rule,
                  s.filter((o) => o !== drop),
                ),
            ),
        );
        const key = (s: readonly string[]): string => [...s].sort().join(',');
        assert.deepEqual(listing.coalitions.map(key).sort(), minimal.map(key).sort());
      }),
      { numRuns: 200 },
    );
  });

  it('expands grouped OutOf branches and honours the limit', () => {
    const compiled = compileStakePolicy({ stakes: { A: 1, B: 1, C: 1, D: 1 }, threshold: MORE_THAN_HALF, floorWeight: 1 });
    assert.equal(compiled.branches, 1);
    assert.deepEqual(listMinimalCoalitions(compiled).coalitions, [
      ['A', 'B', 'C'],
      ['A', 'B', 'D'],
      ['A', 'C', 'D'],
      ['B', 'C', 'D'],
    ]);
    const limited = listMinimalCoalitions(compiled, 2);
    assert.equal(limited.complete, false);
    assert.equal(limited.coalitions.length, 2);
  });
});
