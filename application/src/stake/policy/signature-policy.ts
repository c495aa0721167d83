/**
 * Abstract syntax of a Fabric signature policy. Like Fabric's policydsl, AND and OR are kept as
 * n-out-of gates (AND = all of them, OR = one of them); `gate` only remembers the spelling.
 */
import { formatPrincipal, type Principal } from './principal';

export interface SignedByRule {
  readonly type: 'signedBy';
  readonly principal: Principal;
}

export type GateName = 'AND' | 'OR' | 'OutOf';

export interface OutOfRule {
  readonly type: 'outOf';
  readonly gate: GateName;
  /** Number of sub-rules that must be satisfied. */
  readonly n: number;
  readonly rules: readonly SignaturePolicyRule[];
}

export type SignaturePolicyRule = SignedByRule | OutOfRule;

export function signedBy(principal: Principal): SignedByRule {
  return { type: 'signedBy', principal };
}

export function and(rules: readonly SignaturePolicyRule[]): OutOfRule {
  return { type: 'outOf', gate: 'AND', n: rules.length, rules };
}

export function or(rules: readonly SignaturePolicyRule[]): OutOfRule {
  return { type: 'outOf', gate: 'OR', n: 1, rules };
}

/** n-out-of gate, spelled AND / OR when that is what it means, so policy strings stay familiar. */
export function outOf(n: number, rules: readonly SignaturePolicyRule[]): OutOfRule {
  if (n === rules.length) {
    return and(rules);
  }
  if (n === 1) {
    return or(rules);
  }
  return { type: 'outOf', gate: 'OutOf', n, rules };
}

/** Renders in the syntax `peer lifecycle chaincode approveformyorg --signature-policy` accepts. */
export function formatSignaturePolicy(rule: SignaturePolicyRule): string {
  if (rule.type === 'signedBy') {
    return formatPrincipal(rule.principal);
  }
  const inner = rule.rules.map(formatSignaturePolicy).join(', ');
  switch (rule.gate) {
    case 'AND':
      return `AND(${inner})`;
    case 'OR':
      return `OR(${inner})`;
    case 'OutOf':
      return `OutOf(${String(rule.n)}, ${inner})`;
  }
}

/** Number of principal occurrences (SignedBy leaves); Fabric creates one identity entry per leaf. */
export function countPrincipals(rule: SignaturePolicyRule): number {
  if (rule.type === 'signedBy') {
    return 1;
  }
  let total = 0;
  for (const sub of rule.rules) {
    total += countPrincipals(sub);
  }
  return total;
}

/** The MSP IDs named anywhere in the policy, sorted. */
export function principalMspIds(rule: SignaturePolicyRule): string[] {
  const ids = new Set<string>();
  const visit = (r: SignaturePolicyRule): void => {
    if (r.type === 'signedBy') {
      ids.add(r.principal.mspId);
    } else {
      r.rules.forEach(visit);
    }
  };
  visit(rule);
  return [...ids].sort(compareCodeUnits);
}

/** Locale-independent ordering so every node sorts MSP IDs identically. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
