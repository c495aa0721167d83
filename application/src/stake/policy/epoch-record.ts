/**
 * The record of one epoch's endorsement policy, written to the ledger when the policy rotates:
 * the inputs (stakes, threshold, floor, limits) and the outputs (policy string, weights, error
 * bound). Anyone can recompile the inputs and check the policy the lifecycle approved.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@isl/chaincode';
import { compileStakePolicy, type CompiledPolicy } from './compile';
import { EpochRecordError } from './errors';

export const EPOCH_RECORD_SCHEMA = 'isl.stake-policy/v1';

const integer = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const fixed6 = z.string().regex(/^[0-9]+\.[0-9]{6}$/);

const recordSchema = z
  .object({
    schema: z.literal(EPOCH_RECORD_SCHEMA),
    epoch: integer,
    input: z
      .object({
        stakes: z.record(z.string(), integer),
        threshold: z.object({ numerator: integer, denominator: integer, strict: z.boolean() }).strict(),
        floorWeight: integer,
        role: z.enum(['peer', 'member']),
        /** null = unbounded (Infinity has no JSON form). */
        maxTerms: integer.nullable(),
        maxPolicyLength: integer.nullable(),
      })
      .strict(),
    output: z
      .object({
        policy: z.string().min(1),
        policySha256: z.string().regex(/^[0-9a-f]{64}$/),
        weights: z.record(z.string(), integer),
        minimumWinningWeight: integer,
        quantised: z.boolean(),
        quantisationLevels: integer.nullable(),
        errorBound: z.object({ stake: fixed6, step: fixed6, partsPerMillionOfTotal: integer }).strict(),
        terms: integer,
        length: integer,
      })
      .strict(),
  })
  .strict();

export type EpochPolicyRecord = z.infer<typeof recordSchema>;

export function epochPolicyRecord(compiled: CompiledPolicy, epoch: number): EpochPolicyRecord {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new EpochRecordError('INVALID_RECORD', `epoch must be a non-negative integer, got ${String(epoch)}`);
  }
  return {
    schema: EPOCH_RECORD_SCHEMA,
    epoch,
    input: {
      stakes: { ...compiled.stakes },
      threshold: { ...compiled.threshold },
      floorWeight: compiled.floorWeight,
      role: compiled.role,
      maxTerms: finiteOrNull(compiled.maxTerms),
      maxPolicyLength: finiteOrNull(compiled.maxPolicyLength),
    },
    output: {
      policy: compiled.policy,
      policySha256: createHash('sha256').update(compiled.policy, 'utf8').digest('hex'),
      weights: { ...compiled.weights },
      minimumWinningWeight: compiled.minimumWinningWeight,
      quantised: compiled.quantised,
      quantisationLevels: compiled.quantisationLevels ?? null,
      errorBound: {
        stake: compiled.errorBound.stake.toFixed(6),
        step: compiled.errorBound.step.toFixed(6),
        partsPerMillionOfTotal: Math.max(0, Math.ceil(compiled.errorBound.fractionOfTotal * 1e6 - 1e-9)),
      },
      terms: compiled.terms,
      length: compiled.length,
    },
  };
}

/**
 * The bytes to put on the ledger (RFC 8785). The record is checked against its schema first:
 * only integers as numbers, as a float's decimal form differs between languages (the chaincode
 * and auditors must reproduce the exact bytes); fractions are fixed-point strings.
 */
export function epochPolicyRecordJson(compiled: CompiledPolicy, epoch: number): string {
  const result = recordSchema.safeParse(epochPolicyRecord(compiled, epoch));
  if (!result.success) {
    throw new EpochRecordError(
      'INVALID_RECORD',
      `not a ${EPOCH_RECORD_SCHEMA} record: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return canonicalJson(result.data);
}

/** Parses a ledger record; refuses anything not in canonical form so all peers hash the same bytes. */
export function parseEpochPolicyRecord(json: string): EpochPolicyRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new EpochRecordError('INVALID_RECORD', `not JSON: ${(error as Error).message}`);
  }
  const result = recordSchema.safeParse(value);
  if (!result.success) {
    throw new EpochRecordError(
      'INVALID_RECORD',
      `not a ${EPOCH_RECORD_SCHEMA} record: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (canonicalJson(result.data) !== json) {
    throw new EpochRecordError('INVALID_RECORD', 'record is not in canonical JSON form');
  }
  return result.data;
}

/** Recompiles the record's inputs and checks every output; returns the recompiled policy. */
export function verifyEpochPolicyRecord(record: EpochPolicyRecord): CompiledPolicy {
  const { input } = record;
  const compiled = compileStakePolicy({
    stakes: input.stakes,
    threshold: input.threshold,
    floorWeight: input.floorWeight,
    role: input.role,
    maxTerms: input.maxTerms ?? Number.POSITIVE_INFINITY,
    maxPolicyLength: input.maxPolicyLength ?? Number.POSITIVE_INFINITY,
  });
  const expected = canonicalJson(epochPolicyRecord(compiled, record.epoch).output);
  if (canonicalJson(record.output) !== expected) {
    throw new EpochRecordError('POLICY_MISMATCH', 'recorded outputs differ from a recompilation of the recorded inputs');
  }
  return compiled;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
