import type { LedgerState } from '../ledger/state';

/** One study published by a source of an organisation: the paper's proof-of-stake weight. */
export interface StakeEntry {
  readonly kind: 'stake';
  readonly org: string;
  readonly source: string;
  readonly study: string;
  readonly definedAt: string;
}

export interface OrganisationStake {
  readonly org: string;
  readonly studies: number;
  readonly sources: readonly { readonly source: string; readonly studies: number }[];
}

/** Sums stake entries (a query, so the range read is fine); all organisations when org is empty. */
export async function getStake(state: LedgerState, org: string): Promise<OrganisationStake[]> {
  const entries = await state.list<StakeEntry>('stake', org === '' ? [] : [org]);
  const byOrg = new Map<string, Map<string, number>>();
  for (const entry of entries) {
    const sources = byOrg.get(entry.org) ?? new Map<string, number>();
    sources.set(entry.source, (sources.get(entry.source) ?? 0) + 1);
    byOrg.set(entry.org, sources);
  }
  if (org !== '' && !byOrg.has(org)) {
    byOrg.set(org, new Map());
  }
  return [...byOrg.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, sources]) => ({
      org: name,
      studies: [...sources.values()].reduce((sum, n) => sum + n, 0),
      sources: [...sources.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([source, studies]) => ({ source, studies })),
    }));
}
