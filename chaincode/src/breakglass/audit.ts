import type { DisclosureRecord } from '../disclosure/disclosure';
import type { LedgerState } from '../ledger/state';
import type { BreakGlassRecord } from './break-glass';

/** What was released under a break-glass lease (the study's disclosure records that name it). */
export interface BreakGlassRelease {
  readonly id: string;
  readonly disclosedAt: string;
  readonly size: number;
  readonly requestId: string;
}

export interface BreakGlassReview extends BreakGlassRecord {
  readonly releases: readonly BreakGlassRelease[];
}

/**
 * Every break-glass lease granted at or after sinceMs, oldest first, each with its releases:
 * who (recipient), which hospital, when, and what was released. A query: range reads are fine.
 */
export async function reviewBreakGlass(state: LedgerState, sinceMs: number): Promise<BreakGlassReview[]> {
  const leases = (await state.list<BreakGlassRecord>('breakglass', [])).filter((lease) => Date.parse(lease.grantedAt) >= sinceMs);
  const releasesOf = new Map<string, BreakGlassRelease[]>();
  for (const studyKey of new Set(leases.map((lease) => `${lease.source}/${lease.study}`))) {
    const [source = '', study = ''] = studyKey.split('/');
    for (const d of await state.list<DisclosureRecord>('disclosure', [source, study])) {
      if (d.breakGlass !== undefined) {
        const list = releasesOf.get(d.breakGlass) ?? [];
        list.push({ id: d.id, disclosedAt: d.disclosedAt, size: d.size, requestId: d.requestId });
        releasesOf.set(d.breakGlass, list);
      }
    }
  }
  return leases
    .sort((a, b) => (a.grantedAt < b.grantedAt ? -1 : a.grantedAt > b.grantedAt ? 1 : 0))
    .map((lease) => ({ ...lease, releases: (releasesOf.get(lease.id) ?? []).sort((a, b) => (a.disclosedAt < b.disclosedAt ? -1 : 1)) }));
}
