import { Keys } from '../ledger/keys';
import type { LedgerState } from '../ledger/state';
import type { SourceRecord } from '../source/source';
import type { StudyRecord } from '../study/study';
import type { GrantRecord } from './grant';

export type DenialReason = 'SOURCE_NOT_FOUND' | 'SOURCE_INACTIVE' | 'STUDY_NOT_FOUND' | 'NO_GRANT' | 'GRANT_NOT_YET_VALID' | 'GRANT_REVOKED' | 'GRANT_EXPIRED';

export type AccessDecision =
  | { readonly allowed: true; readonly at: string; readonly grant: GrantRecord }
  | { readonly allowed: false; readonly at: string; readonly reason: DenialReason; readonly grant?: GrantRecord };

/** Whether the recipient may retrieve the study at the given time (milliseconds). */
export async function checkAccess(state: LedgerState, source: string, study: string, recipient: string, atMs: number): Promise<AccessDecision> {
  const at = new Date(atMs).toISOString();
  const sourceRecord = await state.get<SourceRecord>(Keys.source(source));
  if (sourceRecord === undefined) {
    return { allowed: false, at, reason: 'SOURCE_NOT_FOUND' };
  }
  if (!sourceRecord.active) {
    return { allowed: false, at, reason: 'SOURCE_INACTIVE' };
  }
  if ((await state.get<StudyRecord>(Keys.study(source, study))) === undefined) {
    return { allowed: false, at, reason: 'STUDY_NOT_FOUND' };
  }
  const grant = await state.get<GrantRecord>(Keys.grant(source, study, recipient));
  if (grant === undefined) {
    return { allowed: false, at, reason: 'NO_GRANT' };
  }
  if (atMs < Date.parse(grant.grantedAt)) {
    return { allowed: false, at, reason: 'GRANT_NOT_YET_VALID', grant };
  }
  if (grant.revokedAt !== undefined && atMs >= Date.parse(grant.revokedAt)) {
    return { allowed: false, at, reason: 'GRANT_REVOKED', grant };
  }
  if (atMs >= Date.parse(grant.until)) {
    return { allowed: false, at, reason: 'GRANT_EXPIRED', grant };
  }
  return { allowed: true, at, grant };
}
