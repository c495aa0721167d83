import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { stringify, parse } from 'yaml';
import { z } from 'zod';
import { organisationAt, organisationSchema, type Organisation } from '../topology/topology';
import { MemberError } from './member-error';

export const memberConfigFormat = 'isl-member/1';

const memberConfigSchema = z.strictObject({
  format: z.literal(memberConfigFormat),
  organisation: organisationSchema,
  /** The member's host address: every node listens on it, and every TLS certificate names it. */
  address: z.string().refine((a) => isIP(a) === 4, 'an IPv4 address (what the TLS certificates name)'),
  /** The first of the member's ports on its address (same rule as topology.yaml, organisation 0). */
  basePort: z.number().int().min(1024).max(32_000),
  logging: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
});

/** One member's own description of itself (member.yaml in its home). */
export type MemberConfig = z.infer<typeof memberConfigSchema>;

export function parseMemberConfig(value: unknown, source: string): MemberConfig {
  const result = memberConfigSchema.safeParse(value);
  if (!result.success) {
    throw new MemberError('MEMBER_CONFIG_INVALID', `${source}: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function loadMemberConfig(file: string): MemberConfig {
  if (!existsSync(file)) {
    throw new MemberError('MEMBER_NOT_INITIALISED', `${file} does not exist: run init for this home first`);
  }
  return parseMemberConfig(parse(readFileSync(file, 'utf8')), file);
}

export function memberConfigText(config: MemberConfig): string {
  return stringify(config);
}

/** The member's nodes with their endpoints, all on its own address. */
export function memberOrganisation(config: MemberConfig): Organisation {
  return organisationAt(config.organisation, config.basePort, config.address);
}
