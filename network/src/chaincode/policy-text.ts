import { common, msp, peer } from '@hyperledger/fabric-protos';

const ROLES: Readonly<Record<number, string>> = { 0: 'member', 1: 'admin', 2: 'client', 3: 'peer', 4: 'orderer' };

/**
 * Renders a chaincode definition's validation parameter (an ApplicationPolicy)
 * as text: a channel policy reference as its path, a signature policy in the
 * syntax `--signature-policy` takes, so operators see the policy they approved.
 */
export function describeValidationParameter(bytes: Uint8Array): string {
  const policy = peer.ApplicationPolicy.deserializeBinary(bytes);
  switch (policy.getTypeCase()) {
    case peer.ApplicationPolicy.TypeCase.CHANNEL_CONFIG_POLICY_REFERENCE:
      return policy.getChannelConfigPolicyReference();
    case peer.ApplicationPolicy.TypeCase.SIGNATURE_POLICY: {
      const envelope = policy.getSignaturePolicy();
      const rule = envelope?.getRule();
      if (!envelope || !rule) {
        throw new Error('signature policy without a rule');
      }
      return describeSignaturePolicy(rule, envelope.getIdentitiesList().map(describePrincipal));
    }
    default:
      throw new Error('validation parameter is neither a signature policy nor a channel policy reference');
  }
}

function describeSignaturePolicy(rule: common.SignaturePolicy, principals: readonly string[]): string {
  if (rule.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY) {
    const principal = principals[rule.getSignedBy()];
    if (principal === undefined) {
      throw new Error(`signed_by index ${String(rule.getSignedBy())} names no identity`);
    }
    return principal;
  }
  const nOutOf = rule.getNOutOf();
  if (!nOutOf) {
    throw new Error('signature policy rule of unknown type');
  }
  const rules = nOutOf.getRulesList();
  const n = nOutOf.getN();
  const inner = rules.map((r) => describeSignaturePolicy(r, principals)).join(', ');
  // Same spelling as the stake policy compiler: 1-of-k is OR (a lone principal too), k-of-k AND.
  if (n === 1) {
    return `OR(${inner})`;
  }
  return n === rules.length ? `AND(${inner})` : `OutOf(${String(n)}, ${inner})`;
}

function describePrincipal(principal: msp.MSPPrincipal): string {
  if (principal.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) {
    return `<principal classification ${String(principal.getPrincipalClassification())}>`;
  }
  const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
  return `'${role.getMspIdentifier()}.${ROLES[role.getRole()] ?? String(role.getRole())}'`;
}
