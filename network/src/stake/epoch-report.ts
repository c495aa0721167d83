/**
 * What an epoch changes, for the admins who approve it: each organisation's stake then and
 * now, and flags where the growth looks like padding (docs/stake-and-audit.md, "Reviewing an
 * epoch"). Pure: the caller reads the ledger and passes the figures in — the operator's rotation
 * (application/src/stake/epoch-rotation.ts) and each member's epoch steps (member-epoch.ts).
 */

/** One organisation's figures from the chaincode's GetStakeActivity (since the last epoch). */
export interface StakeActivity {
  readonly org: string;
  readonly studies: number;
  readonly studiesSince: number;
  readonly usedSince: number;
}

/** The last recorded epoch (ListEpochs), as far as the report needs it. */
export interface PreviousEpoch {
  readonly sequence: number;
  readonly recordedAt: string;
  readonly stakes: Readonly<Record<string, number>>;
}

export interface OutlierRules {
  /** Fewer new studies than this are too few to judge their use. */
  readonly minNewStudies: number;
  /** Flag UNUSED_GROWTH when less than this percentage of the new studies was granted or released. */
  readonly minUsedPercent: number;
  /** Flag SHARE_JUMP when the share of all stake rose by more than this many percentage points. */
  readonly maxShareGainPoints: number;
}

export const DEFAULT_OUTLIER_RULES: OutlierRules = { minNewStudies: 10, minUsedPercent: 25, maxShareGainPoints: 10 };

export type OutlierCode = 'UNUSED_GROWTH' | 'SHARE_JUMP';

export interface OutlierFlag {
  readonly code: OutlierCode;
  readonly detail: string;
}

export interface OrganisationChange {
  readonly org: string;
  /** Stake the last epoch stated; null when there was none. */
  readonly before: number | null;
  readonly after: number;
  readonly added: number | null;
  /** Share of all members' stake, in percent with two decimals (display only; flags use exact integers). */
  readonly sharePercentBefore: number | null;
  readonly sharePercentAfter: number;
  /** Studies defined since the last epoch was recorded, and of those the ones granted or released. */
  readonly newStudies: number;
  readonly usedNewStudies: number;
  readonly flags: readonly OutlierFlag[];
}

export interface EpochReport {
  readonly previousSequence: number | null;
  /** Start of the window for new studies: the last epoch's recordedAt; null = all time. */
  readonly since: string | null;
  readonly rules: OutlierRules;
  readonly organisations: readonly OrganisationChange[];
  /** MSP IDs with at least one flag. */
  readonly flagged: readonly string[];
}

function percent(part: number, total: number): number {
  return total === 0 ? 0 : Math.round((part * 10_000) / total) / 100;
}

/**
 * Builds the report. Exact integer comparisons decide the flags:
 * UNUSED_GROWTH: newStudies ≥ minNewStudies and usedNewStudies·100 < minUsedPercent·newStudies;
 * SHARE_JUMP (needs a previous epoch): after/totalAfter − before/totalBefore > maxShareGainPoints/100.
 */
export function epochReport(input: {
  readonly previous: PreviousEpoch | undefined;
  readonly stakes: Readonly<Record<string, number>>;
  readonly activity: readonly StakeActivity[];
  readonly rules?: OutlierRules;
}): EpochReport {
  const rules = input.rules ?? DEFAULT_OUTLIER_RULES;
  const members = Object.keys(input.stakes).sort();
  const total = (stakes: Readonly<Record<string, number>>): bigint => members.reduce((sum, m) => sum + BigInt(stakes[m] ?? 0), 0n);
  const totalAfter = total(input.stakes);
  const totalBefore = input.previous === undefined ? undefined : total(input.previous.stakes);
  const organisations = members.map((org): OrganisationChange => {
    const after = input.stakes[org] ?? 0;
    const before = input.previous === undefined ? null : (input.previous.stakes[org] ?? 0);
    const activity = input.activity.find((a) => a.org === org);
    const newStudies = activity?.studiesSince ?? 0;
    const used = activity?.usedSince ?? 0;
    const flags: OutlierFlag[] = [];
    if (newStudies >= rules.minNewStudies && used * 100 < rules.minUsedPercent * newStudies) {
      flags.push({
        code: 'UNUSED_GROWTH',
        detail: `${String(used)} of ${String(newStudies)} new studies granted or released (< ${String(rules.minUsedPercent)}%)`,
      });
    }
    if (before !== null && totalBefore !== undefined && totalBefore > 0n && totalAfter > 0n) {
      // after/tA − before/tB > g/100  ⇔  100·(after·tB − before·tA) > g·tA·tB
      const gain = 100n * (BigInt(after) * totalBefore - BigInt(before) * totalAfter);
      if (gain > BigInt(rules.maxShareGainPoints) * totalAfter * totalBefore) {
        flags.push({
          code: 'SHARE_JUMP',
          detail: `share of all stake ${String(percent(before, Number(totalBefore)))}% → ${String(percent(after, Number(totalAfter)))}% (more than +${String(rules.maxShareGainPoints)} points)`,
        });
      }
    }
    return {
      org,
      before,
      after,
      added: before === null ? null : after - before,
      sharePercentBefore: before === null || totalBefore === undefined ? null : percent(before, Number(totalBefore)),
      sharePercentAfter: percent(after, Number(totalAfter)),
      newStudies,
      usedNewStudies: used,
      flags,
    };
  });
  return {
    previousSequence: input.previous?.sequence ?? null,
    since: input.previous?.recordedAt ?? null,
    rules,
    organisations,
    flagged: organisations.filter((o) => o.flags.length > 0).map((o) => o.org),
  };
}

/**
 * The report as a table for an operator's terminal. `decline`: how the reader declines a flagged
 * epoch on its path (the single-operator rotation's flag by default).
 */
export function describeEpochReport(report: EpochReport, decline = 'isl stake epoch --refuse to decline'): string {
  const header = `stake since ${report.previousSequence === null ? 'the start (no epoch recorded yet)' : `epoch ${String(report.previousSequence)} (recorded ${report.since ?? '-'})`}`;
  const rows = report.organisations.map((o) => {
    const change = `${o.before === null ? '-' : String(o.before)} → ${String(o.after)}${o.added === null ? '' : ` (+${String(o.added)})`}`;
    const share = `${o.sharePercentBefore === null ? '-' : `${String(o.sharePercentBefore)}%`} → ${String(o.sharePercentAfter)}%`;
    const use = `${String(o.usedNewStudies)}/${String(o.newStudies)} new used`;
    const flags = o.flags.map((f) => `  ${f.code}: ${f.detail}`).join('');
    return `  ${o.org.padEnd(16)} ${change.padEnd(22)} ${share.padEnd(18)} ${use}${flags}`;
  });
  const verdict = report.flagged.length === 0 ? 'no outliers' : `FLAGGED: ${report.flagged.join(', ')} — review before approving (${decline})`;
  return [header, ...rows, verdict].join('\n');
}
