/**
 * Compiles member stakes into a Fabric signature policy: a set of organisations satisfies the policy
 * exactly when its effective stake meets the threshold (or, when the exact policy is too large, when
 * its quantised stake does - see quantise.ts for the error bound).
 */
import { minimalWinningVectors, weightClasses, type CountVectorEnumeration, type WeightClass } from './coalitions';
import { PolicyCompileError } from './errors';
import type { EndorsementRole } from './principal';
import { quantisationErrorBound, quantise, type QuantisationErrorBound } from './quantise';
import { and, formatSignaturePolicy, or, outOf, signedBy, type OutOfRule, type SignaturePolicyRule } from './signature-policy';
import { greatestCommonDivisor, normaliseStakes, type MemberStake, type StakeTable } from './stakes';
import { minimumWinningWeight, validateThreshold, type StakeThreshold } from './threshold';

export interface StakePolicyOptions {
  /** MSP ID -> studies published by the organisation's sources (non-negative integers). */
  readonly stakes: StakeTable;
  readonly threshold: StakeThreshold;
  /** Every member counts at least this much, so a member with no studies yet still counts. */
  readonly floorWeight: number;
  /** Principal role; 'peer' (default) requires endorsements from peers of the organisation. */
  readonly role?: EndorsementRole;
  /** Most principal occurrences in the policy (default 1000). Above it the weights are quantised. */
  readonly maxTerms?: number;
  /** Longest policy string in characters (default 32768). */
  readonly maxPolicyLength?: number;
  /** Never quantise: fail with POLICY_TOO_LARGE instead. */
  readonly exactOnly?: boolean;
}

export const DEFAULT_MAX_TERMS = 1000;
export const DEFAULT_MAX_POLICY_LENGTH = 32_768;
/** Quantisation resolutions tried, in integer weight levels for the largest member. */
export const QUANTISATION_LEVELS: readonly number[] = Object.freeze([1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1]);

export interface CompiledPolicy {
  /** The string for `peer lifecycle chaincode approveformyorg --signature-policy`. */
  readonly policy: string;
  /** The same policy as a tree (what parseSignaturePolicy(policy).rule returns). */
  readonly rule: OutOfRule;
  readonly role: EndorsementRole;
  readonly threshold: StakeThreshold;
  readonly floorWeight: number;
  readonly maxTerms: number;
  readonly maxPolicyLength: number;
  /** The stakes as given, keys sorted. */
  readonly stakes: Readonly<Record<string, number>>;
  /** max(stake, floorWeight), keys sorted. */
  readonly effectiveStakes: Readonly<Record<string, number>>;
  /** Integer weights the policy implements exactly (effective stakes / gcd, or quantised). */
  readonly weights: Readonly<Record<string, number>>;
  /** Least total weight (in `weights` units) that satisfies the policy. */
  readonly minimumWinningWeight: number;
  readonly quantised: boolean;
  /** Weight levels of the largest member when quantised; undefined when exact. */
  readonly quantisationLevels: number | undefined;
  readonly errorBound: QuantisationErrorBound;
  /** OR branches = minimal winning count vectors (each may stand for several equivalent coalitions). */
  readonly branches: number;
  /** Principal occurrences in `policy`. */
  readonly terms: number;
  readonly length: number;
}

export function compileStakePolicy(options: StakePolicyOptions): CompiledPolicy {
  const role = options.role ?? 'peer';
  // Checked at run time too: JavaScript callers and JSON-fed options bypass the type.
  if (!(['peer', 'member'] as readonly string[]).includes(role)) {
    throw new PolicyCompileError('INVALID_ROLE', `role must be 'peer' or 'member', got ${role}`);
  }
  const maxTerms = options.maxTerms ?? DEFAULT_MAX_TERMS;
  const maxPolicyLength = options.maxPolicyLength ?? DEFAULT_MAX_POLICY_LENGTH;
  checkLimit('maxTerms', maxTerms);
  checkLimit('maxPolicyLength', maxPolicyLength);
  validateThreshold(options.threshold);
  const members = normaliseStakes(options.stakes, options.floorWeight);
  const effective = members.map((m) => m.effective);

  const context: CompileContext = {
    members,
    threshold: options.threshold,
    floorWeight: options.floorWeight,
    role,
    maxTerms,
    maxPolicyLength,
  };
  const gcd = greatestCommonDivisor(effective);
  const exact = attempt(
    context,
    effective.map((e) => e / gcd),
  );
  if (exact) {
    return finish(context, exact, undefined, { stake: 0, fractionOfTotal: 0, step: gcd });
  }
  if (options.exactOnly === true) {
    throw new PolicyCompileError('POLICY_TOO_LARGE', `exact policy exceeds ${String(maxTerms)} principals or ${String(maxPolicyLength)} characters`);
  }

  const ratio = options.threshold.numerator / options.threshold.denominator;
  let best: { attempt: Attempt; levels: number; bound: QuantisationErrorBound } | undefined;
  const tryLevels = (levels: number): boolean => {
    const raw = quantise(effective, levels).weights;
    const g = greatestCommonDivisor(raw);
    const candidate = attempt(
      context,
      raw.map((w) => w / g),
    );
    if (!candidate) {
      return false;
    }
    const bound = quantisationErrorBound(effective, raw, ratio);
    // Prefer the smallest error; on ties keep the finer resolution found first.
    if (!best || bound.stake < best.bound.stake) {
      best = { attempt: candidate, levels, bound };
    }
    return true;
  };
  // Coarse scan over powers of two, then bisect between the finest fitting and the next failing
  // resolution: policy size grows (roughly) with the resolution, the error shrinks with it.
  let fits: number | undefined;
  let fails: number | undefined;
  for (const levels of QUANTISATION_LEVELS) {
    if (tryLevels(levels)) {
      fits = Math.max(fits ?? 0, levels);
    } else if (fits === undefined) {
      fails = levels;
    }
  }
  if (fits !== undefined && fails !== undefined) {
    let lo = fits;
    let hi = fails;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (tryLevels(mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
  }
  if (!best) {
    throw new PolicyCompileError(
      'POLICY_TOO_LARGE',
      `even equal weights need ${String(members.filter((m) => m.effective > 0).length)} principals; raise maxTerms/maxPolicyLength`,
    );
  }
  return finish(context, best.attempt, best.levels, best.bound);
}

interface CompileContext {
  readonly members: readonly MemberStake[];
  readonly threshold: StakeThreshold;
  readonly floorWeight: number;
  readonly role: EndorsementRole;
  readonly maxTerms: number;
  readonly maxPolicyLength: number;
}

interface Attempt {
  readonly weights: readonly number[];
  readonly minWinning: number;
  readonly rule: OutOfRule;
  readonly policy: string;
  readonly enumeration: CountVectorEnumeration;
}

/** Builds the policy for integer weights, or undefined if it does not fit the limits. */
function attempt(context: CompileContext, weights: readonly number[]): Attempt | undefined {
  const total = weights.reduce((a, b) => a + b, 0);
  const minWinning = minimumWinningWeight(total, context.threshold);
  if (minWinning > total) {
    throw new PolicyCompileError('UNSATISFIABLE', 'not even all members together meet the threshold');
  }
  const classes = weightClasses(new Map(context.members.map((m, i) => [m.mspId, weights[i] as number])));
  const enumeration = minimalWinningVectors(classes, minWinning, context.maxTerms);
  if (!enumeration) {
    return undefined;
  }
  const rule = renderRule(classes, enumeration.vectors, context.role);
  const policy = formatSignaturePolicy(rule);
  if (policy.length > context.maxPolicyLength) {
    return undefined;
  }
  return { weights, minWinning, rule, policy, enumeration };
}

export function renderRule(classes: readonly WeightClass[], vectors: readonly (readonly number[])[], role: EndorsementRole): OutOfRule {
  const branches = vectors.map((counts): SignaturePolicyRule => {
    const parts: SignaturePolicyRule[] = [];
    counts.forEach((count, j) => {
      if (count === 0) {
        return;
      }
      const members = (classes[j] as WeightClass).members.map((mspId) => signedBy({ mspId, role }));
      if (count === members.length) {
        parts.push(...members); // all of the class: splice into the branch's AND
      } else {
        parts.push(outOf(count, members));
      }
    });
    return parts.length === 1 ? (parts[0] as SignaturePolicyRule) : and(parts);
  });
  const root = branches.length === 1 ? (branches[0] as SignaturePolicyRule) : or(branches);
  // Fabric's policydsl needs a gate at the top; a lone principal becomes OR('X.peer').
  return root.type === 'signedBy' ? or([root]) : root;
}

function finish(context: CompileContext, result: Attempt, levels: number | undefined, errorBound: QuantisationErrorBound): CompiledPolicy {
  const record = (values: (m: MemberStake, i: number) => number): Readonly<Record<string, number>> =>
    Object.freeze(Object.fromEntries(context.members.map((m, i) => [m.mspId, values(m, i)])));
  return Object.freeze({
    policy: result.policy,
    rule: result.rule,
    role: context.role,
    threshold: Object.freeze({ ...context.threshold }),
    floorWeight: context.floorWeight,
    maxTerms: context.maxTerms,
    maxPolicyLength: context.maxPolicyLength,
    stakes: record((m) => m.stake),
    effectiveStakes: record((m) => m.effective),
    weights: record((_m, i) => result.weights[i] as number),
    minimumWinningWeight: result.minWinning,
    quantised: levels !== undefined,
    quantisationLevels: levels,
    errorBound: Object.freeze(errorBound),
    branches: result.enumeration.vectors.length,
    terms: result.enumeration.terms,
    length: result.policy.length,
  });
}

function checkLimit(name: string, value: number): void {
  if (!(value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 1))) {
    throw new PolicyCompileError('INVALID_LIMIT', `${name} must be a positive integer or Infinity, got ${String(value)}`);
  }
}
