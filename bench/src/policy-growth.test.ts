import assert from 'node:assert/strict';
import { compileStakePolicy, DEFAULT_MAX_POLICY_LENGTH, DEFAULT_MAX_TERMS, MORE_THAN_HALF } from '@isl/application';
import { measureExactPolicy, policyGrowthTable, scenarioStakes } from './policy-growth';

describe('policy growth', () => {
  it('measures the exact policy the same way the compiler builds it', () => {
    for (const scenario of ['equal', 'distinct', 'random'] as const) {
      for (const n of [1, 2, 5, 8]) {
        const stakes = scenarioStakes(scenario, n);
        const compiled = compileStakePolicy({
          stakes,
          threshold: MORE_THAN_HALF,
          floorWeight: 1,
          maxTerms: Number.POSITIVE_INFINITY,
          maxPolicyLength: Number.POSITIVE_INFINITY,
        });
        assert.deepEqual(measureExactPolicy(stakes, MORE_THAN_HALF, 1), { branches: compiled.branches, terms: compiled.terms, length: compiled.length });
      }
    }
  });

  it('stays one OutOf for equal stakes, explodes for distinct stakes, and the default limits hold', () => {
    const rows = policyGrowthTable([3, 6, 9, 12, 20]);
    for (const row of rows.filter((r) => r.scenario === 'equal')) {
      assert.equal(row.exactBranches, 1);
      assert.equal(row.exactTerms, row.n);
    }
    const distinct = rows.filter((r) => r.scenario === 'distinct');
    assert.ok(distinct.every((r, i) => i === 0 || r.exactTerms > (distinct[i - 1] as typeof r).exactTerms));
    assert.ok((distinct.at(-1) as (typeof distinct)[number]).exactTerms > 100_000);
    for (const row of rows) {
      assert.ok(row.terms <= DEFAULT_MAX_TERMS && row.length <= DEFAULT_MAX_POLICY_LENGTH);
      assert.equal(row.quantised, row.exactTerms > DEFAULT_MAX_TERMS || row.exactLength > DEFAULT_MAX_POLICY_LENGTH);
    }
  });
});
