import type { LedgerState } from '../ledger/state';
import type { StakeEntry } from './stake';

/**
 * How much of an organisation's recent stake anyone used: a study someone was granted, or
 * that its source released, is in use; one never granted nor released may be padding
 * (studies under self-made patient keys). Identifiers only: no PHI is read.
 */
export interface StakeActivity {
  readonly org: string;
  /** Studies its sources published, ever (GetStake's figure). */
  readonly studies: number;
  /** Studies defined at or after `since`. */
  readonly studiesSince: number;
  /** Of those, the ones with at least one grant (any status) or one recorded disclosure. */
  readonly usedSince: number;
}

/** A query (range reads are fine): every stake entry, and two one-record probes per study since `sinceMs`. */
export async function getStakeActivity(state: LedgerState, sinceMs: number): Promise<StakeActivity[]> {
  const byOrg = new Map<string, { studies: number; studiesSince: number; usedSince: number }>();
  for (const entry of await state.list<StakeEntry>('stake', [])) {
    const figures = byOrg.get(entry.org) ?? { studies: 0, studiesSince: 0, usedSince: 0 };
    figures.studies += 1;
    if (Date.parse(entry.definedAt) >= sinceMs) {
      figures.studiesSince += 1;
      const prefix = [entry.source, entry.study];
      if ((await state.any('grant', prefix)) || (await state.any('disclosure', prefix))) {
        figures.usedSince += 1;
      }
    }
    byOrg.set(entry.org, figures);
  }
  return [...byOrg.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([org, figures]) => ({ org, ...figures }));
}
