import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { organisationSchema, ordererSchema } from '../topology/topology';
import { MemberError } from './member-error';

export const charterFormat = 'isl-consortium-charter/1';

const charterSchema = z.strictObject({
  format: z.literal(charterFormat),
  channel: z.string().regex(/^[a-z][a-z0-9.-]{0,248}$/),
  orderer: ordererSchema,
  /** The chaincode every member installs and approves (its definition is committed once a majority approved). */
  chaincode: z.strictObject({ name: z.string().regex(/^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/), version: z.string().min(1).max(64) }),
  /** The founding members' MSP IDs, in the order their orderers are listed as Raft consenters. */
  founders: z
    .array(organisationSchema.shape.mspId)
    .min(3, 'a Raft cluster that survives the loss of a node needs at least 3 founders')
    .refine((ids) => new Set(ids).size === ids.length, 'each founder once'),
});

/**
 * What the founders agreed on before any block exists: the channel's name, its
 * ordering parameters and who founds it. The policies are the project's
 * (config/configtx.ts): every founder's code writes the same ones.
 */
export type Charter = z.infer<typeof charterSchema>;

export function loadCharter(file: string): Charter {
  if (statSync(file).size > 64 * 1024) {
    throw new MemberError('CHARTER_INVALID', `${file}: larger than 64 KiB; a charter is a few lines`);
  }
  let value: unknown;
  try {
    value = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MemberError('CHARTER_INVALID', `${file}: not YAML or JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const result = charterSchema.safeParse(value);
  if (!result.success) {
    throw new MemberError('CHARTER_INVALID', `${file}: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}
