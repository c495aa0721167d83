/**
 * Evaluates a signature policy against a set of signing identities the way a Fabric v2.5 peer
 * does (common/cauthdsl/cauthdsl.go), including its quirks:
 *
 * - each signing identity can satisfy at most one SignedBy leaf (the `used` array), so a
 *   principal repeated inside one gate needs that many distinct identities of the MSP;
 * - identities are de-duplicated first (common/policies SignatureSetToValidIdentities, by MSP ID
 *   + identity ID), so one peer endorsing twice still counts once;
 * - a gate evaluates every sub-rule (no short-circuit) and keeps the identities consumed by each
 *   sub-rule that succeeded; a failed sub-rule gives its identities back. This is greedy, not a
 *   matching: overlapping principals inside one gate can fail where a cleverer assignment exists.
 */
import { parseSignaturePolicy, type ParsedSignaturePolicy } from './parser';
import { roleSatisfies, type MspRole } from './principal';
import type { SignaturePolicyRule } from './signature-policy';

export interface SigningIdentity {
  readonly mspId: string;
  readonly role: MspRole;
  /** Identity within the MSP (e.g. the certificate subject); equal (mspId, id) pairs count once. */
  readonly id?: string;
}

export type PolicyInput = string | ParsedSignaturePolicy | SignaturePolicyRule;

export type PolicyEvaluator = (identities: readonly SigningIdentity[]) => boolean;

function toRule(policy: PolicyInput): SignaturePolicyRule {
  if (typeof policy === 'string') {
    return parseSignaturePolicy(policy).rule;
  }
  return 'rule' in policy ? policy.rule : policy;
}

/** Parses once, evaluates many times (the property tests evaluate thousands of coalitions). */
export function createPolicyEvaluator(policy: PolicyInput): PolicyEvaluator {
  const rule = toRule(policy);
  return (identities) => {
    const unique = deduplicate(identities);
    const byMsp = new Map<string, number[]>();
    unique.forEach((identity, index) => {
      const list = byMsp.get(identity.mspId);
      if (list) {
        list.push(index);
      } else {
        byMsp.set(identity.mspId, [index]);
      }
    });
    const used = new Array<boolean>(unique.length).fill(false);
    // Undo log instead of Fabric's copy-per-sub-rule: same semantics, O(changes) instead of O(identities).
    const log: number[] = [];
    return evaluate(rule, unique, byMsp, used, log);
  };
}

export function evaluateSignaturePolicy(policy: PolicyInput, identities: readonly SigningIdentity[]): boolean {
  return createPolicyEvaluator(policy)(identities);
}

/**
 * Whether the organisations, each endorsing through one peer, satisfy the policy.
 * A peer identity satisfies both 'MSP.peer' and 'MSP.member' principals.
 */
export function isSatisfiedBy(policy: PolicyInput, organisations: Iterable<string>): boolean {
  return evaluateSignaturePolicy(policy, peerIdentities(organisations));
}

export function peerIdentities(organisations: Iterable<string>): SigningIdentity[] {
  return [...new Set(organisations)].map((mspId) => ({ mspId, role: 'peer' as const }));
}

function deduplicate(identities: readonly SigningIdentity[]): readonly SigningIdentity[] {
  const seen = new Set<string>();
  const unique: SigningIdentity[] = [];
  for (const identity of identities) {
    if (identity.id === undefined) {
      unique.push(identity);
      continue;
    }
    const key = `${identity.mspId}\u0000${identity.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(identity);
    }
  }
  return unique;
}

function evaluate(
  rule: SignaturePolicyRule,
  identities: readonly SigningIdentity[],
  byMsp: ReadonlyMap<string, readonly number[]>,
  used: boolean[],
  log: number[],
): boolean {
  if (rule.type === 'signedBy') {
    for (const index of byMsp.get(rule.principal.mspId) ?? []) {
      if (!used[index] && roleSatisfies(rule.principal.role, (identities[index] as SigningIdentity).role)) {
        used[index] = true;
        log.push(index);
        return true;
      }
    }
    return false;
  }
  let verified = 0;
  for (const sub of rule.rules) {
    const mark = log.length;
    if (evaluate(sub, identities, byMsp, used, log)) {
      verified += 1;
    } else {
      while (log.length > mark) {
        used[log.pop() as number] = false;
      }
    }
  }
  return verified >= rule.n;
}
