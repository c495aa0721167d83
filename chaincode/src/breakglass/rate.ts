import { LedgerError } from '../errors';
import type { Changes } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { BreakGlassSettings } from './settings';

/** A hospital's break-glass leases opened in one UTC clock hour. */
export interface BreakGlassRateRecord {
  readonly kind: 'breakglassrate';
  readonly org: string;
  /** Start of the hour. */
  readonly hour: string;
  readonly count: number;
}

const HOUR_MS = 3_600_000;

/**
 * Counts one more break-glass lease for the submitting hospital in the transaction's hour, or
 * refuses it beyond the consortium's limit. A single point read and write (no range read, so no
 * phantom); two break-glasses of one hospital in the same block conflict on it and one is retried.
 */
export async function countBreakGlass(tx: Tx, changes: Changes): Promise<void> {
  const hour = Math.floor(tx.nowMs / HOUR_MS);
  const key = Keys.breakGlassRate(tx.mspId, hour);
  const count = (await tx.state.get<BreakGlassRateRecord>(key))?.count ?? 0;
  if (count >= BreakGlassSettings.maxPerHospitalPerHour) {
    throw new LedgerError(
      'BREAK_GLASS_LIMIT_REACHED',
      `${tx.mspId} opened ${count} break-glass leases in the hour from ${new Date(hour * HOUR_MS).toISOString()}, the most allowed`,
    );
  }
  const record: BreakGlassRateRecord = { kind: 'breakglassrate', org: tx.mspId, hour: new Date(hour * HOUR_MS).toISOString(), count: count + 1 };
  changes.put(key, record);
}
