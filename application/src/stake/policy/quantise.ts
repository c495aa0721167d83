/**
 * Quantisation of effective stakes to small integer weights, and its exact error bound.
 *
 * With step d, member i gets weight q_i = max(1, round(e_i / d)) (0 only if e_i = 0, so a member
 * counted through the floor keeps counting). The quantised policy decides C by
 * Q(C) vs r * Q(total), r = numerator / denominator. Writing eps_i = e_i - d * q_i, the true
 * margin m(C) = W(C) - r*T and the quantised margin m'(C) = d * (Q(C) - r*Q(total)) differ by
 *
 *     m(C) - m'(C) = sum_{i in C} eps_i - r * sum_i eps_i,
 *
 * whose largest absolute value over all coalitions C is
 *
 *     beta(d) = max( P - r*E , r*E - N ),  P = sum of positive eps_i, N = sum of negative eps_i, E = P + N.
 *
 * A coalition is misclassified only if m and m' fall on different sides of the threshold, which
 * forces |m(C)| <= |m(C) - m'(C)| <= beta. The quantised game does not depend on d, so any d > 0
 * gives a valid bound; we report the smallest (beta is convex in d, so a ternary search finds it).
 */

export interface QuantisationErrorBound {
  /**
   * beta, in studies: only a coalition whose true stake is within beta of the threshold stake
   * (|W(C) - r*T| <= beta) can be classified differently from the exact stake rule. 0 = exact.
   */
  readonly stake: number;
  /** beta / T. */
  readonly fractionOfTotal: number;
  /** d: studies per unit of integer weight used for the bound (the gcd of stakes when exact). */
  readonly step: number;
}

export interface Quantisation {
  /** Integer weight per member, in the order of the input. */
  readonly weights: readonly number[];
  readonly levels: number;
}

export function quantise(effective: readonly number[], levels: number): Quantisation {
  const max = Math.max(...effective);
  const step = max / levels;
  const weights = effective.map((e) => (e === 0 ? 0 : Math.max(1, Math.round(e / step))));
  return { weights, levels };
}

export function quantisationErrorBound(effective: readonly number[], weights: readonly number[], ratio: number): QuantisationErrorBound {
  const total = effective.reduce((a, b) => a + b, 0);
  const beta = (d: number): number => {
    let positive = 0;
    let negative = 0;
    effective.forEach((e, i) => {
      const eps = e - d * (weights[i] as number);
      if (eps > 0) {
        positive += eps;
      } else {
        negative += eps;
      }
    });
    const sum = positive + negative;
    return Math.max(positive - ratio * sum, ratio * sum - negative);
  };
  const ratios = effective.flatMap((e, i) => ((weights[i] as number) > 0 ? [e / (weights[i] as number)] : []));
  let lo = Math.min(...ratios);
  let hi = Math.max(...ratios);
  for (let iteration = 0; iteration < 200 && hi - lo > 1e-12 * hi; iteration += 1) {
    const a = lo + (hi - lo) / 3;
    const b = hi - (hi - lo) / 3;
    if (beta(a) <= beta(b)) {
      hi = b;
    } else {
      lo = a;
    }
  }
  const step = (lo + hi) / 2;
  // Round up to 1e-6 studies so the bound has a short decimal form; float noise far below that
  // (1e-12 of a micro-study) is not allowed to bump an exact value such as 15 to 15.000001.
  const raw = beta(step);
  const stake = Math.max(0, Math.ceil(raw * 1e6 - 1e-6) / 1e6);
  return { stake, fractionOfTotal: stake / total, step: Math.round(step * 1e6) / 1e6 };
}
