import assert from 'node:assert/strict';
import { compileStakePolicy, type StakePolicyOptions } from './compile';
import { PolicyCompileError, type PolicyCompileErrorCode } from './errors';
import { isSatisfiedBy } from './evaluator';
import { parseSignaturePolicy } from './parser';
import { countPrincipals } from './signature-policy';
import { AT_LEAST_TWO_THIRDS, MORE_THAN_HALF } from './threshold';

function compileError(options: StakePolicyOptions): PolicyCompileErrorCode {
  try {
    compileStakePolicy(options);
  } catch (error) {
    assert.ok(error instanceof PolicyCompileError, String(error));
    return error.code;
  }
  assert.fail('expected compilation to fail');
}

describe('compileStakePolicy', () => {
  it('compiles equal stakes to a single OutOf', () => {
    const compiled = compileStakePolicy({ stakes: { Org1MSP: 5, Org2MSP: 5, Org3MSP: 5, Org4MSP: 5 }, threshold: MORE_THAN_HALF, floorWeight: 1 });
    assert.equal(compiled.policy, "OutOf(3, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer', 'Org4MSP.peer')");
    assert.equal(compiled.quantised, false);
    assert.equal(compiled.errorBound.stake, 0);
    assert.deepEqual(compiled.weights, { Org1MSP: 1, Org2MSP: 1, Org3MSP: 1, Org4MSP: 1 });
  });

  it('compiles distinct stakes to the OR of minimal winning coalitions', () => {
    // total 10: more than half needs 6. Minimal: {A,B} (5+3), {A,C} (5+2); {B,C} = 5 loses.
    const compiled = compileStakePolicy({ stakes: { A: 5, B: 3, C: 2 }, threshold: MORE_THAN_HALF, floorWeight: 0 });
    assert.equal(compiled.policy, "OR(AND('A.peer', 'B.peer'), AND('A.peer', 'C.peer'))");
    assert.equal(compiled.branches, 2);
    assert.equal(compiled.terms, 4);
  });

  it('groups equal-weight members into OutOf inside each branch', () => {
    // weights 4,1,1,1,1 (total 8, > half needs 5): A + any one small, or all four small ones do not reach 5.
    const compiled = compileStakePolicy({ stakes: { A: 40, B: 10, C: 10, D: 10, E: 10 }, threshold: MORE_THAN_HALF, floorWeight: 0 });
    assert.equal(compiled.policy, "AND('A.peer', OR('B.peer', 'C.peer', 'D.peer', 'E.peer'))");
    assert.equal(isSatisfiedBy(compiled.policy, ['B', 'C', 'D', 'E']), false);
    assert.equal(isSatisfiedBy(compiled.policy, ['A', 'E']), true);
  });

  it('distinguishes strict and non-strict thresholds exactly at the boundary', () => {
    const stakes = { A: 2, B: 1, C: 1 };
    const strict = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 0 });
    const atLeast = compileStakePolicy({ stakes, threshold: { numerator: 1, denominator: 2, strict: false }, floorWeight: 0 });
    // A alone has exactly half.
    assert.equal(isSatisfiedBy(strict.policy, ['A']), false);
    assert.equal(isSatisfiedBy(atLeast.policy, ['A']), true);
    assert.equal(isSatisfiedBy(strict.policy, ['B', 'C']), false);
    assert.equal(isSatisfiedBy(atLeast.policy, ['B', 'C']), true);
  });

  it('lets a member without studies count through the floor weight', () => {
    const stakes = { Big: 10, Mid: 9, New: 0 };
    // Without a floor: total 19, Big alone (10 > 9.5) decides and New is irrelevant.
    const withoutFloor = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 0 });
    assert.equal(withoutFloor.policy, "OR('Big.peer')");
    // Floor 2: New counts 2, total 21, more than half needs 11: any two members, never Big alone.
    const withFloor = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 2 });
    assert.equal(withFloor.effectiveStakes['New'], 2);
    assert.equal(withFloor.stakes['New'], 0);
    assert.equal(isSatisfiedBy(withFloor.policy, ['Big']), false);
    assert.equal(isSatisfiedBy(withFloor.policy, ['Mid', 'New']), true);
    assert.equal(isSatisfiedBy(withFloor.policy, ['Big', 'New']), true);
  });

  it('wraps a single required principal in a gate, as Fabric requires', () => {
    assert.equal(compileStakePolicy({ stakes: { Solo: 3 }, threshold: MORE_THAN_HALF, floorWeight: 1 }).policy, "OR('Solo.peer')");
    assert.equal(compileStakePolicy({ stakes: { A: 9, B: 1 }, threshold: MORE_THAN_HALF, floorWeight: 0 }).policy, "OR('A.peer')");
  });

  it('uses the member role when asked', () => {
    assert.equal(
      compileStakePolicy({ stakes: { A: 1, B: 1 }, threshold: MORE_THAN_HALF, floorWeight: 0, role: 'member' }).policy,
      "AND('A.member', 'B.member')",
    );
  });

  it('does not depend on the order stakes are given in', () => {
    const entries: [string, number][] = [
      ['Zeta', 7],
      ['alpha', 3],
      ['Mu', 5],
      ['beta', 2],
      ['Eta', 4],
    ];
    const forward = compileStakePolicy({ stakes: new Map(entries), threshold: MORE_THAN_HALF, floorWeight: 1 });
    const backward = compileStakePolicy({ stakes: Object.fromEntries([...entries].reverse()), threshold: MORE_THAN_HALF, floorWeight: 1 });
    assert.equal(forward.policy, backward.policy);
    assert.deepEqual(Object.keys(forward.stakes), ['Eta', 'Mu', 'Zeta', 'alpha', 'beta']);
  });

  it('returns a policy the parser accepts, with matching tree and size figures', () => {
    const compiled = compileStakePolicy({ stakes: { A: 13, B: 11, C: 7, D: 5, E: 3, F: 2 }, threshold: AT_LEAST_TWO_THIRDS, floorWeight: 1 });
    const parsed = parseSignaturePolicy(compiled.policy);
    assert.deepEqual(parsed.rule, compiled.rule);
    assert.equal(parsed.principalCount, compiled.terms);
    assert.equal(countPrincipals(compiled.rule), compiled.terms);
    assert.equal(compiled.length, compiled.policy.length);
    assert.ok(Object.isFrozen(compiled));
  });

  it('quantises when the exact policy exceeds maxTerms, and stays within the limits', () => {
    const stakes = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`Org${String(i)}`, 1000 + 13 * i]));
    const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 1, maxTerms: 200 });
    assert.equal(compiled.quantised, true);
    assert.ok(compiled.terms <= 200);
    assert.ok(compiled.quantisationLevels !== undefined && compiled.quantisationLevels >= 1);
    assert.ok(compiled.errorBound.stake > 0);
    assert.equal(compileError({ stakes, threshold: MORE_THAN_HALF, floorWeight: 1, maxTerms: 200, exactOnly: true }), 'POLICY_TOO_LARGE');
  });

  it('respects maxPolicyLength', () => {
    const stakes = { A: 50, B: 40, C: 30, D: 20, E: 10 };
    const exact = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 0 });
    const limited = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 0, maxPolicyLength: exact.length - 1 });
    assert.ok(limited.length <= exact.length - 1);
    assert.equal(limited.quantised, true);
  });

  it('fails when even equal weights do not fit', () => {
    assert.equal(compileError({ stakes: { A: 1, B: 2, C: 3 }, threshold: MORE_THAN_HALF, floorWeight: 0, maxTerms: 2 }), 'POLICY_TOO_LARGE');
  });

  const invalid: readonly [string, StakePolicyOptions, PolicyCompileErrorCode][] = [
    ['no organisations', { stakes: {}, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'NO_ORGANISATIONS'],
    ['underscore in MSP ID', { stakes: { Org_1: 1 }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'INVALID_MSP_ID'],
    ['quote in MSP ID', { stakes: { "Org'1": 1 }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'INVALID_MSP_ID'],
    ['negative stake', { stakes: { A: -1 }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'INVALID_STAKE'],
    ['fractional stake', { stakes: { A: 1.5 }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'INVALID_STAKE'],
    ['NaN stake', { stakes: { A: Number.NaN }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'INVALID_STAKE'],
    ['negative floor', { stakes: { A: 1 }, threshold: MORE_THAN_HALF, floorWeight: -1 }, 'INVALID_FLOOR'],
    ['all zero', { stakes: { A: 0, B: 0 }, threshold: MORE_THAN_HALF, floorWeight: 0 }, 'ZERO_TOTAL_STAKE'],
    ['zero denominator', { stakes: { A: 1 }, threshold: { numerator: 1, denominator: 0, strict: true }, floorWeight: 1 }, 'INVALID_THRESHOLD'],
    ['fraction above one', { stakes: { A: 1 }, threshold: { numerator: 3, denominator: 2, strict: false }, floorWeight: 1 }, 'INVALID_THRESHOLD'],
    ['>= 0 admits nobody', { stakes: { A: 1 }, threshold: { numerator: 0, denominator: 1, strict: false }, floorWeight: 1 }, 'INVALID_THRESHOLD'],
    ['> 100%', { stakes: { A: 1 }, threshold: { numerator: 1, denominator: 1, strict: true }, floorWeight: 1 }, 'UNSATISFIABLE'],
    ['overflow', { stakes: { A: Number.MAX_SAFE_INTEGER, B: 1 }, threshold: MORE_THAN_HALF, floorWeight: 1 }, 'STAKE_OVERFLOW'],
    ['admin role', { stakes: { A: 1 }, threshold: MORE_THAN_HALF, floorWeight: 1, role: 'admin' as unknown as 'peer' }, 'INVALID_ROLE'],
    ['zero maxTerms', { stakes: { A: 1 }, threshold: MORE_THAN_HALF, floorWeight: 1, maxTerms: 0 }, 'INVALID_LIMIT'],
  ];
  for (const [name, options, code] of invalid) {
    it(`rejects ${name} with ${code}`, () => {
      assert.equal(compileError(options), code);
    });
  }

  it('accepts "> 0" (anyone with weight) and ">= 100%" (everyone with weight)', () => {
    const stakes = { A: 3, B: 1, C: 0 };
    assert.equal(compileStakePolicy({ stakes, threshold: { numerator: 0, denominator: 1, strict: true }, floorWeight: 0 }).policy, "OR('A.peer', 'B.peer')");
    assert.equal(compileStakePolicy({ stakes, threshold: { numerator: 1, denominator: 1, strict: false }, floorWeight: 0 }).policy, "AND('A.peer', 'B.peer')");
  });
});
