/**
 * Stake input: MSP ID -> number of studies its sources published. Normalised to entries sorted by
 * MSP ID so the compiled policy never depends on Map/object insertion order.
 */
import { PolicyCompileError } from './errors';
import { isValidMspId } from './principal';
import { compareCodeUnits } from './signature-policy';

export type StakeTable = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

export interface MemberStake {
  readonly mspId: string;
  /** Studies published, as given. */
  readonly stake: number;
  /** max(stake, floorWeight): what the threshold is computed on. */
  readonly effective: number;
}

export function normaliseStakes(stakes: StakeTable, floorWeight: number): MemberStake[] {
  if (!Number.isSafeInteger(floorWeight) || floorWeight < 0) {
    throw new PolicyCompileError('INVALID_FLOOR', `floorWeight must be a non-negative integer, got ${String(floorWeight)}`);
  }
  const entries: [string, number][] =
    stakes instanceof Map ? [...(stakes as ReadonlyMap<string, number>).entries()] : Object.entries(stakes as Readonly<Record<string, number>>);
  if (entries.length === 0) {
    throw new PolicyCompileError('NO_ORGANISATIONS', 'no organisations given');
  }
  let total = 0;
  const members = entries.map(([mspId, stake]): MemberStake => {
    if (!isValidMspId(mspId)) {
      throw new PolicyCompileError('INVALID_MSP_ID', `MSP ID ${JSON.stringify(mspId)} is not accepted in Fabric principals (letters, digits, '.', '-')`);
    }
    if (!Number.isSafeInteger(stake) || stake < 0) {
      throw new PolicyCompileError('INVALID_STAKE', `stake of ${mspId} must be a non-negative integer study count, got ${String(stake)}`);
    }
    const effective = Math.max(stake, floorWeight);
    total += effective;
    return { mspId, stake, effective };
  });
  if (!Number.isSafeInteger(total)) {
    throw new PolicyCompileError('STAKE_OVERFLOW', 'total stake exceeds Number.MAX_SAFE_INTEGER');
  }
  if (total === 0) {
    throw new PolicyCompileError('ZERO_TOTAL_STAKE', 'total effective stake is zero; give a positive floorWeight so members without studies count');
  }
  return members.sort((a, b) => compareCodeUnits(a.mspId, b.mspId));
}

export function greatestCommonDivisor(values: readonly number[]): number {
  let g = 0;
  for (const v of values) {
    let a = g;
    let b = v;
    while (b !== 0) {
      [a, b] = [b, a % b];
    }
    g = a;
  }
  return g;
}
