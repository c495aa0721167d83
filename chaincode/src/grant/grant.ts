import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import type { RequestRecord } from '../request/request';
import { requireActive, requireSource } from '../source/source';
import type { Purpose } from '../statement/claims';
import { Limits } from '../statement/limits';
import { requirePatient, requireStudy } from '../study/study';

/** The paper's Allow Access {K_P, K_D, K_H, ref}_P as a time-limited lease. */
export interface GrantRecord {
  readonly kind: 'grant';
  readonly id: string;
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
  /** Thumbprint of the patient key that granted it. */
  readonly patient: string;
  readonly purpose?: Purpose;
  readonly grantedAt: string;
  /** End of the lease (exclusive). */
  readonly until: string;
  readonly status: 'active' | 'revoked';
  readonly revokedAt?: string;
}

export async function allowAccess(tx: Tx, jws: unknown): Promise<Outcome<GrantRecord>> {
  const statement = await tx.verify(jws, 'AllowAccess');
  const { source: sourceId, study: studyRef, recipient, until, purpose } = statement.claims;
  const source = await requireSource(tx, sourceId);
  requireActive(source);
  const study = await requireStudy(tx, sourceId, studyRef);
  requirePatient(study, statement.signer);
  if (until * 1000 <= tx.nowMs || until * 1000 - tx.nowMs > Limits.maxLeaseSeconds * 1000) {
    throw new LedgerError('GRANT_EXPIRY_INVALID', `until ${until} must be after the transaction time and at most ${Limits.maxLeaseSeconds}s after it`);
  }
  const key = Keys.grant(sourceId, studyRef, recipient);
  const changes = new Changes();
  await tx.consume(statement, changes);
  const previous = await tx.state.get<GrantRecord>(key);
  // A consent signed before a later revocation must not undo it, even if never submitted before.
  if (previous?.revokedAt !== undefined && statement.claims.iat * 1000 < Date.parse(previous.revokedAt)) {
    throw new LedgerError('STATEMENT_SUPERSEDED', `AllowAccess issued at ${statement.claims.iat} precedes the revocation at ${previous.revokedAt}`);
  }
  const record: GrantRecord = {
    kind: 'grant',
    id: key.id,
    source: sourceId,
    study: studyRef,
    recipient,
    patient: statement.signer,
    ...(purpose === undefined ? {} : { purpose }),
    grantedAt: tx.now,
    until: new Date(until * 1000).toISOString(),
    status: 'active',
  };
  changes.put(key, record, source.org);
  const requestKey = Keys.request(sourceId, studyRef, recipient);
  const request = await tx.state.get<RequestRecord>(requestKey);
  if (request?.status === 'pending') {
    const approved: RequestRecord = { ...request, status: 'allowed', decidedAt: tx.now };
    changes.put(requestKey, approved, source.org);
  }
  changes.emit({ type: 'AccessAllowed', key: key.id, source: sourceId, study: studyRef, recipient });
  return { record, changes };
}

/** Takes effect from the transaction's commit; CheckAccess at earlier times still shows the grant. */
export async function revokeAccess(tx: Tx, jws: unknown): Promise<Outcome<GrantRecord>> {
  const statement = await tx.verify(jws, 'RevokeAccess');
  const { source: sourceId, study: studyRef, recipient } = statement.claims;
  const source = await requireSource(tx, sourceId);
  const study = await requireStudy(tx, sourceId, studyRef);
  requirePatient(study, statement.signer);
  const key = Keys.grant(sourceId, studyRef, recipient);
  const grant = await tx.state.get<GrantRecord>(key);
  if (grant === undefined) {
    throw new LedgerError('GRANT_NOT_FOUND', `no grant of study ${studyRef} to ${recipient}`);
  }
  if (grant.status === 'revoked') {
    throw new LedgerError('GRANT_NOT_ACTIVE', `grant of study ${studyRef} to ${recipient} was already revoked`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: GrantRecord = { ...grant, status: 'revoked', revokedAt: tx.now };
  changes.put(key, record, source.org).emit({ type: 'AccessRevoked', key: key.id, source: sourceId, study: studyRef, recipient });
  return { record, changes };
}
