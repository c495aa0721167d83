/**
 * Principals of Fabric's signature-policy language: `'MSPID.role'`.
 *
 * Mirrors fabric v2.5 common/policydsl/policyparser.go, which accepts a principal only if it
 * matches `^([[:alnum:].-]+)([.])(admin|member|client|peer|orderer)$`.
 */

export const MSP_ROLES = ['admin', 'member', 'client', 'peer', 'orderer'] as const;
export type MspRole = (typeof MSP_ROLES)[number];

/** Roles the compiler may emit: endorsements come from peers; `member` accepts any identity. */
export type EndorsementRole = 'peer' | 'member';

const MSP_ID_PATTERN = /^[A-Za-z0-9.-]+$/;
// Greedy MSP part, as in Fabric: 'a.b.peer' is MSP 'a.b' with role 'peer'.
const PRINCIPAL_PATTERN = /^([A-Za-z0-9.-]+)\.(admin|member|client|peer|orderer)$/;

export interface Principal {
  readonly mspId: string;
  readonly role: MspRole;
}

export function isValidMspId(mspId: string): boolean {
  return MSP_ID_PATTERN.test(mspId);
}

/** Parses the text between the quotes of a principal; undefined when Fabric would reject it. */
export function parsePrincipal(text: string): Principal | undefined {
  const match = PRINCIPAL_PATTERN.exec(text);
  if (!match) {
    return undefined;
  }
  return { mspId: match[1] as string, role: match[2] as MspRole };
}

export function formatPrincipal(principal: Principal): string {
  return `'${principal.mspId}.${principal.role}'`;
}

/**
 * Whether a signing identity with `identityRole` satisfies a principal role of the same MSP.
 * Fabric (msp/mspimpl.go satisfiesPrincipal): MEMBER is any valid identity of the MSP, the other
 * roles need that exact role (node OU / admin list).
 */
export function roleSatisfies(principalRole: MspRole, identityRole: MspRole): boolean {
  return principalRole === 'member' || principalRole === identityRole;
}
