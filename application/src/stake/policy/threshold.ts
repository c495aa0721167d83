/**
 * Threshold semantics: a coalition C wins when W(C) / T meets numerator / denominator, where T is
 * the total effective stake of all members. `strict` chooses ">" (e.g. "more than half") over ">=".
 * Compared in BigInt cross-multiplication, so no rounding ever decides a borderline coalition.
 */
import { PolicyCompileError } from './errors';

export interface StakeThreshold {
  readonly numerator: number;
  readonly denominator: number;
  /** true: W(C)/T > numerator/denominator; false: W(C)/T >= numerator/denominator. */
  readonly strict: boolean;
}

/** Simple majority of stake: more than half. */
export const MORE_THAN_HALF: StakeThreshold = Object.freeze({ numerator: 1, denominator: 2, strict: true });
/** Byzantine-style supermajority: at least two thirds. */
export const AT_LEAST_TWO_THIRDS: StakeThreshold = Object.freeze({ numerator: 2, denominator: 3, strict: false });

export function validateThreshold(threshold: StakeThreshold): void {
  const { numerator, denominator, strict } = threshold;
  if (!Number.isSafeInteger(denominator) || denominator < 1) {
    throw new PolicyCompileError('INVALID_THRESHOLD', `threshold denominator must be a positive integer, got ${String(denominator)}`);
  }
  if (!Number.isSafeInteger(numerator) || numerator < 0 || numerator > denominator) {
    throw new PolicyCompileError('INVALID_THRESHOLD', `threshold numerator must be an integer in [0, denominator], got ${String(numerator)}`);
  }
  if (typeof strict !== 'boolean') {
    throw new PolicyCompileError('INVALID_THRESHOLD', 'threshold.strict must be true (">") or false (">=")');
  }
  if (numerator === 0 && !strict) {
    throw new PolicyCompileError('INVALID_THRESHOLD', 'threshold ">= 0" is met by the empty coalition');
  }
  if (numerator === denominator && strict) {
    throw new PolicyCompileError('UNSATISFIABLE', 'threshold "> 100%" of stake can never be met');
  }
}

/** Exact rule on integer weights. */
export function meetsThreshold(weight: number, total: number, threshold: StakeThreshold): boolean {
  const lhs = BigInt(weight) * BigInt(threshold.denominator);
  const rhs = BigInt(threshold.numerator) * BigInt(total);
  return threshold.strict ? lhs > rhs : lhs >= rhs;
}

/** Smallest integer weight that wins against `total`; the compiler only compares against this. */
export function minimumWinningWeight(total: number, threshold: StakeThreshold): number {
  const product = BigInt(threshold.numerator) * BigInt(total);
  const den = BigInt(threshold.denominator);
  const quotient = product / den;
  if (threshold.strict) {
    return Number(quotient + 1n);
  }
  return Number(product % den === 0n ? quotient : quotient + 1n);
}

/** The threshold expressed in stake units (q * T), for reporting margins. */
export function thresholdStake(total: number, threshold: StakeThreshold): number {
  return (total * threshold.numerator) / threshold.denominator;
}

export function describeThreshold(threshold: StakeThreshold): string {
  return `${threshold.strict ? '>' : '>='} ${String(threshold.numerator)}/${String(threshold.denominator)} of total stake`;
}
