import type { BreakGlassRecord } from '../breakglass/break-glass';
import { Keys } from '../ledger/keys';
import type { LedgerState } from '../ledger/state';
import type { SourceRecord } from '../source/source';
import type { StudyRecord } from '../study/study';
import type { GrantRecord } from './grant';

/**
 * The reads a decision makes: the chaincode's world state, or a mirror of it (the image
 * source's grant view, which runs this very function so its answers are CheckAccess's).
 */
export type StateReader = Pick<LedgerState, 'get' | 'list'>;

export type DenialReason = 'SOURCE_NOT_FOUND' | 'SOURCE_INACTIVE' | 'STUDY_NOT_FOUND' | 'NO_GRANT' | 'GRANT_NOT_YET_VALID' | 'GRANT_REVOKED' | 'GRANT_EXPIRED';

export type AccessDecision =
  | { readonly allowed: true; readonly at: string; readonly grant: GrantRecord }
  /** No grant holds, but a break-glass lease does (docs/protocol.md §11). */
  | { readonly allowed: true; readonly at: string; readonly breakGlass: BreakGlassRecord }
  | { readonly allowed: false; readonly at: string; readonly reason: DenialReason; readonly grant?: GrantRecord };

/**
 * Whether the recipient may retrieve the study at the given time (milliseconds): under a grant,
 * else under an active break-glass lease. A grant is preferred so that a release is made on the
 * patient's own consent whenever there is one; the denial names why the grant does not hold.
 */
export async function checkAccess(state: StateReader, source: string, study: string, recipient: string, atMs: number): Promise<AccessDecision> {
  const at = new Date(atMs).toISOString();
  const sourceRecord = await state.get<SourceRecord>(Keys.source(source));
  if (sourceRecord === undefined) {
    return { allowed: false, at, reason: 'SOURCE_NOT_FOUND' };
  }
  if (!sourceRecord.active) {
    return { allowed: false, at, reason: 'SOURCE_INACTIVE' };
  }
  // A grant is made only for a defined study and no record is ever deleted, so a grant found
  // proves the study: the study is read only when there is none (one state round trip fewer
  // per granted check, the common case; the answers are the same).
  const grant = await state.get<GrantRecord>(Keys.grant(source, study, recipient));
  if (grant === undefined && (await state.get<StudyRecord>(Keys.study(source, study))) === undefined) {
    return { allowed: false, at, reason: 'STUDY_NOT_FOUND' };
  }
  const decision = checkGrant(grant, at, atMs);
  if (decision.allowed) {
    return decision;
  }
  const breakGlass = await activeBreakGlass(state, source, study, recipient, atMs);
  return breakGlass === undefined ? decision : { allowed: true, at, breakGlass };
}

function checkGrant(grant: GrantRecord | undefined, at: string, atMs: number): AccessDecision {
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

/** The recipient's break-glass lease of the study that holds at atMs and ends last (a query: the range read is fine). */
async function activeBreakGlass(state: StateReader, source: string, study: string, recipient: string, atMs: number): Promise<BreakGlassRecord | undefined> {
  let best: BreakGlassRecord | undefined;
  for (const lease of await state.list<BreakGlassRecord>('breakglass', [source, study, recipient])) {
    const holds = Date.parse(lease.grantedAt) <= atMs && atMs < Date.parse(lease.until);
    if (holds && (best === undefined || Date.parse(lease.until) > Date.parse(best.until))) {
      best = lease;
    }
  }
  return best;
}
