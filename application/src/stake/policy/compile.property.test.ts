/**
 * The proof obligation: a set of organisations satisfies the compiled policy (evaluated with
 * Fabric's own rules, see evaluator.ts) exactly when its effective stake meets the threshold.
 * Checked over every subset of up to 12 organisations with random stakes, floors and thresholds.
 */
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { compileStakePolicy, type CompiledPolicy } from './compile';
import { createPolicyEvaluator, peerIdentities } from './evaluator';
import { parseSignaturePolicy } from './parser';
import { meetsThreshold, thresholdStake, type StakeThreshold } from './threshold';

interface Case {
  readonly stakes: Record<string, number>;
  readonly floorWeight: number;
  readonly threshold: StakeThreshold;
}

const stake = fc.oneof(
  fc.integer({ min: 0, max: 12 }), // small values: many ties and zero-study members
  fc.integer({ min: 0, max: 5000 }),
  fc.constantFrom(0, 1, 100, 1000),
);

const threshold = fc
  .record({ denominator: fc.integer({ min: 1, max: 12 }), numerator: fc.integer({ min: 0, max: 12 }), strict: fc.boolean() })
  .filter((t) => t.numerator <= t.denominator && !(t.numerator === 0 && !t.strict) && !(t.numerator === t.denominator && t.strict))
  .map((t): StakeThreshold => ({ numerator: t.numerator, denominator: t.denominator, strict: t.strict }));

function caseOf(minOrgs: number, maxOrgs: number): fc.Arbitrary<Case> {
  return fc
    .record({
      values: fc.array(stake, { minLength: minOrgs, maxLength: maxOrgs }),
      floorWeight: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
      threshold,
    })
    .map(({ values, floorWeight, threshold: t }) => ({
      stakes: Object.fromEntries(values.map((v, i) => [`Org${String(i + 1)}MSP`, v])),
      floorWeight,
      threshold: t,
    }))
    .filter((c) => Object.values(c.stakes).some((v) => Math.max(v, c.floorWeight) > 0));
}

/** Calls `check` for every subset of the organisations. */
function forEverySubset(compiled: CompiledPolicy, check: (members: string[], satisfied: boolean) => void): void {
  const orgs = Object.keys(compiled.stakes);
  const evaluate = createPolicyEvaluator(compiled.rule);
  for (let mask = 0; mask < 1 << orgs.length; mask += 1) {
    const members = orgs.filter((_, i) => (mask & (1 << i)) !== 0);
    check(members, evaluate(peerIdentities(members)));
  }
}

const sum = (members: readonly string[], table: Readonly<Record<string, number>>): number => members.reduce((a, m) => a + (table[m] as number), 0);

describe('compiled stake policy (property)', () => {
  it('is satisfied exactly by the coalitions whose effective stake meets the threshold (n <= 12, every subset)', () => {
    fc.assert(
      fc.property(caseOf(1, 12), (c) => {
        const compiled = compileStakePolicy({ ...c, maxTerms: Number.POSITIVE_INFINITY, maxPolicyLength: Number.POSITIVE_INFINITY, exactOnly: true });
        assert.equal(compiled.quantised, false);
        const total = sum(Object.keys(compiled.effectiveStakes), compiled.effectiveStakes);
        forEverySubset(compiled, (members, satisfied) => {
          assert.equal(
            satisfied,
            meetsThreshold(sum(members, compiled.effectiveStakes), total, c.threshold),
            `coalition ${members.join(',')} of ${compiled.policy}`,
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it('is exact for 12 organisations with pairwise different stakes (the largest policies)', () => {
    const distinct = fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(distinct, threshold, (values, t) => {
        const stakes = Object.fromEntries(values.map((v, i) => [`Org${String(i + 1)}MSP`, v]));
        const compiled = compileStakePolicy({
          stakes,
          threshold: t,
          floorWeight: 1,
          maxTerms: Number.POSITIVE_INFINITY,
          maxPolicyLength: Number.POSITIVE_INFINITY,
        });
        const total = sum(Object.keys(stakes), stakes);
        forEverySubset(compiled, (members, satisfied) => {
          assert.equal(satisfied, meetsThreshold(sum(members, stakes), total, t));
        });
      }),
      { numRuns: 40 },
    );
  });

  it('when quantised, implements the quantised weights exactly and misclassifies only coalitions within the error bound', () => {
    fc.assert(
      fc.property(caseOf(4, 12), fc.integer({ min: 12, max: 80 }), (c, maxTerms) => {
        const compiled = compileStakePolicy({ ...c, maxTerms });
        assert.ok(compiled.terms <= maxTerms);
        assert.equal(parseSignaturePolicy(compiled.policy).principalCount, compiled.terms);
        const total = sum(Object.keys(compiled.effectiveStakes), compiled.effectiveStakes);
        const thresholdAt = thresholdStake(total, c.threshold);
        forEverySubset(compiled, (members, satisfied) => {
          assert.equal(satisfied, sum(members, compiled.weights) >= compiled.minimumWinningWeight);
          const weight = sum(members, compiled.effectiveStakes);
          if (satisfied !== meetsThreshold(weight, total, c.threshold)) {
            assert.ok(compiled.quantised, 'an exact policy must never misclassify');
            const margin = Math.abs(weight - thresholdAt);
            assert.ok(margin <= compiled.errorBound.stake + 1e-9 * total, `margin ${String(margin)} exceeds bound ${String(compiled.errorBound.stake)}`);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
