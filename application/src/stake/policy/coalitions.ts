/**
 * Minimal winning coalitions of a weighted threshold game, enumerated per weight class.
 *
 * Members with equal weight are interchangeable, so instead of listing every minimal coalition we
 * list count vectors c (c_j members out of class j). The policy branch for a vector is
 * AND over classes of OutOf(c_j, class j), which is exact: every principal occurs once per branch.
 * With one class (equal weights) the whole policy collapses to a single OutOf.
 */

export interface WeightClass {
  readonly weight: number;
  /** MSP IDs, sorted. */
  readonly members: readonly string[];
}

export interface CountVectorEnumeration {
  /** One entry per minimal winning count vector; index j counts members of classes[j]. */
  readonly vectors: readonly (readonly number[])[];
  /** Principal occurrences the rendered policy will contain. */
  readonly terms: number;
}

/** Groups positive-weight members by weight, heaviest class first. */
export function weightClasses(weights: ReadonlyMap<string, number>): WeightClass[] {
  const byWeight = new Map<number, string[]>();
  for (const [mspId, weight] of weights) {
    if (weight <= 0) {
      continue; // a zero-weight member never changes the outcome, so it is never required
    }
    const members = byWeight.get(weight);
    if (members) {
      members.push(mspId);
    } else {
      byWeight.set(weight, [mspId]);
    }
  }
  return [...byWeight.entries()].sort(([a], [b]) => b - a).map(([weight, members]) => ({ weight, members: [...members].sort() }));
}

/**
 * Enumerates minimal winning count vectors for "weight >= minWinning". Returns undefined as soon as
 * the rendered policy would exceed `maxTerms` principals (or the search exceeds `maxSteps`), so an
 * oversized exact policy costs no more than the budget to detect.
 */
export function minimalWinningVectors(
  classes: readonly WeightClass[],
  minWinning: number,
  maxTerms: number,
  maxSteps = 5_000_000,
): CountVectorEnumeration | undefined {
  const k = classes.length;
  const suffixMax = new Array<number>(k + 1).fill(0);
  for (let j = k - 1; j >= 0; j -= 1) {
    const cls = classes[j] as WeightClass;
    suffixMax[j] = (suffixMax[j + 1] as number) + cls.weight * cls.members.length;
  }
  const vectors: number[][] = [];
  const counts = new Array<number>(k).fill(0);
  let terms = 0;
  let steps = 0;

  // Returns false to abort the whole search.
  const visit = (j: number, weight: number, lightest: number): boolean => {
    steps += 1;
    if (steps > maxSteps) {
      return false;
    }
    if (weight >= minWinning) {
      // Classes are visited heaviest first, so `lightest` is the cheapest member to drop:
      // if dropping it loses, dropping anyone loses, i.e. the coalition is minimal.
      if (weight - lightest < minWinning) {
        let branchTerms = 0;
        counts.forEach((c, i) => {
          if (c > 0) {
            branchTerms += (classes[i] as WeightClass).members.length;
          }
        });
        terms += branchTerms;
        if (terms > maxTerms) {
          return false;
        }
        vectors.push([...counts]);
      }
      return true; // any extension is a superset of a winning coalition, hence not minimal
    }
    if (j === k || weight + (suffixMax[j] as number) < minWinning) {
      return true;
    }
    const cls = classes[j] as WeightClass;
    for (let c = cls.members.length; c >= 0; c -= 1) {
      counts[j] = c;
      if (!visit(j + 1, weight + c * cls.weight, c > 0 ? cls.weight : lightest)) {
        return false;
      }
    }
    counts[j] = 0;
    return true;
  };

  return visit(0, 0, Number.POSITIVE_INFINITY) ? { vectors, terms } : undefined;
}
