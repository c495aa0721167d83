/**
 * Measures how the stake policy grows with the number of organisations (feeds the table in
 * docs/stake-policy.md). Run: npx ts-node --transpile-only bench/src/policy-growth.ts
 */
import {
  compileStakePolicy,
  formatSignaturePolicy,
  greatestCommonDivisor,
  minimalWinningVectors,
  minimumWinningWeight,
  MORE_THAN_HALF,
  normaliseStakes,
  renderRule,
  weightClasses,
  type StakeThreshold,
} from '@isl/application';

export type GrowthScenario = 'equal' | 'distinct' | 'random';

export interface GrowthRow {
  readonly n: number;
  readonly scenario: GrowthScenario;
  /** Exact policy (no size limit). */
  readonly exactBranches: number;
  readonly exactTerms: number;
  readonly exactLength: number;
  /** Policy produced with the default limits. */
  readonly terms: number;
  readonly length: number;
  readonly quantised: boolean;
  readonly errorPercentOfTotal: number;
}

/** Deterministic stakes: equal (all 100), distinct (1000 + 7i: every weight differs, none dominates), random (seeded, 1..5000). */
export function scenarioStakes(scenario: GrowthScenario, n: number): Record<string, number> {
  let seed = 0x2545f491 ^ n;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const stakes: Record<string, number> = {};
  for (let i = 0; i < n; i += 1) {
    const mspId = `Org${String(i + 1).padStart(2, '0')}MSP`;
    stakes[mspId] = scenario === 'equal' ? 100 : scenario === 'distinct' ? 1000 + 7 * i : 1 + (next() % 5000);
  }
  return stakes;
}

/** Size of the exact policy, measured branch by branch so even C(n, n/2)-sized policies fit in memory. */
export function measureExactPolicy(
  stakes: Record<string, number>,
  threshold: StakeThreshold,
  floorWeight: number,
): { branches: number; terms: number; length: number } {
  const members = normaliseStakes(stakes, floorWeight);
  const gcd = greatestCommonDivisor(members.map((m) => m.effective));
  const weights = new Map(members.map((m) => [m.mspId, m.effective / gcd]));
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const classes = weightClasses(weights);
  const enumeration = minimalWinningVectors(classes, minimumWinningWeight(total, threshold), Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  if (!enumeration) {
    throw new Error('unreachable: unbounded enumeration aborted');
  }
  const { vectors, terms } = enumeration;
  if (vectors.length === 1) {
    return { branches: 1, terms, length: formatSignaturePolicy(renderRule(classes, vectors, 'peer')).length };
  }
  // "OR(" + branches joined by ", " + ")"
  let length = 3 + 1 + 2 * (vectors.length - 1);
  for (const vector of vectors) {
    const branch = renderRule(classes, [vector], 'peer');
    const text = formatSignaturePolicy(branch);
    // renderRule wraps a lone principal as OR('X'); inside the big OR it stays bare.
    length += branch.gate === 'OR' && branch.rules.length === 1 ? text.length - 4 : text.length;
  }
  return { branches: vectors.length, terms, length };
}

export function policyGrowthTable(
  ns: readonly number[] = [3, 6, 9, 12, 20],
  scenarios: readonly GrowthScenario[] = ['equal', 'distinct', 'random'],
): GrowthRow[] {
  const rows: GrowthRow[] = [];
  for (const scenario of scenarios) {
    for (const n of ns) {
      const stakes = scenarioStakes(scenario, n);
      const exact = measureExactPolicy(stakes, MORE_THAN_HALF, 1);
      const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 1 });
      rows.push({
        n,
        scenario,
        exactBranches: exact.branches,
        exactTerms: exact.terms,
        exactLength: exact.length,
        terms: compiled.terms,
        length: compiled.length,
        quantised: compiled.quantised,
        errorPercentOfTotal: Math.round(compiled.errorBound.fractionOfTotal * 1e4) / 1e2,
      });
    }
  }
  return rows;
}

export function formatGrowthTable(rows: readonly GrowthRow[]): string {
  const lines = [
    '| stakes | n | exact: OR branches | exact: principals | exact: chars | default limits: principals | chars | quantised | error bound (% of total) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${String(r.n)} | ${String(r.exactBranches)} | ${String(r.exactTerms)} | ${String(r.exactLength)} | ${String(r.terms)} | ${String(r.length)} | ${r.quantised ? 'yes' : 'no'} | ${String(r.errorPercentOfTotal)} |`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  console.log(formatGrowthTable(policyGrowthTable()));
}
