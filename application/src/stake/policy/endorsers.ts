/**
 * Endorser selection for the gateway application: which organisations to ask for endorsements.
 */
import { minimalWinningVectors, weightClasses, type WeightClass } from './coalitions';
import type { CompiledPolicy } from './compile';
import { isSatisfiedBy } from './evaluator';
import { compareCodeUnits } from './signature-policy';

/**
 * A smallest set of organisations from `available` that satisfies the compiled policy, or undefined
 * if all of `available` together do not.
 *
 * The policy is a weighted threshold game on `compiled.weights`, so taking the heaviest members first
 * is optimal: if any k members win, the k heaviest win. The result therefore has minimum size, and is
 * also inclusion-minimal (no k-1 members win). Ties are broken by larger real stake, then MSP ID, so
 * every gateway picks the same set. The choice is checked against the policy string before returning.
 */
export function pickEndorsers(compiled: CompiledPolicy, available: Iterable<string>): readonly string[] | undefined {
  const candidates = [...new Set(available)]
    .filter((mspId) => (compiled.weights[mspId] ?? 0) > 0)
    .sort(
      (a, b) =>
        (compiled.weights[b] as number) - (compiled.weights[a] as number) ||
        (compiled.effectiveStakes[b] as number) - (compiled.effectiveStakes[a] as number) ||
        compareCodeUnits(a, b),
    );
  const chosen: string[] = [];
  let weight = 0;
  for (const mspId of candidates) {
    if (weight >= compiled.minimumWinningWeight) {
      break;
    }
    chosen.push(mspId);
    weight += compiled.weights[mspId] as number;
  }
  if (weight < compiled.minimumWinningWeight || !isSatisfiedBy(compiled.rule, chosen)) {
    return undefined;
  }
  return Object.freeze(chosen);
}

export interface CoalitionListing {
  /** Minimal winning coalitions, each sorted by MSP ID. */
  readonly coalitions: readonly (readonly string[])[];
  /** false when `limit` cut the listing short. */
  readonly complete: boolean;
}

/** Expands the policy's count vectors into the explicit minimal winning coalitions (for audit/UI). */
export function listMinimalCoalitions(compiled: CompiledPolicy, limit = 10_000): CoalitionListing {
  const classes = weightClasses(new Map(Object.entries(compiled.weights)));
  const enumeration = minimalWinningVectors(classes, compiled.minimumWinningWeight, Number.POSITIVE_INFINITY);
  const coalitions: string[][] = [];
  for (const vector of enumeration?.vectors ?? []) {
    const perClass = vector.map((count, j) => combinations((classes[j] as WeightClass).members, count));
    for (const pick of cartesian(perClass)) {
      if (coalitions.length >= limit) {
        return { coalitions, complete: false };
      }
      coalitions.push(pick.flat().sort(compareCodeUnits));
    }
  }
  return { coalitions, complete: true };
}

function* combinations(items: readonly string[], k: number, start = 0): Generator<string[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i += 1) {
    for (const rest of combinations(items, k - 1, i + 1)) {
      yield [items[i] as string, ...rest];
    }
  }
}

function* cartesian(lists: readonly Generator<string[]>[]): Generator<string[][]> {
  const materialised = lists.map((g) => [...g]);
  const walk = function* (j: number, acc: string[][]): Generator<string[][]> {
    if (j === materialised.length) {
      yield acc;
      return;
    }
    for (const choice of materialised[j] as string[][]) {
      yield* walk(j + 1, [...acc, choice]);
    }
  };
  yield* walk(0, []);
}
