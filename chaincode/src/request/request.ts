import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { requireActive, requireSource } from '../source/source';
import type { DenyReason, Purpose } from '../statement/claims';
import { requirePatient, requireStudy } from '../study/study';

/** A recipient's request for a study (Jabarulla/Lee's requesting_access), and the patient's answer. */
export interface RequestRecord {
  readonly kind: 'request';
  readonly id: string;
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
  readonly purpose: Purpose;
  readonly requestedAt: string;
  readonly status: 'pending' | 'allowed' | 'denied';
  readonly decidedAt?: string;
  readonly reason?: DenyReason;
}

export async function requestAccess(tx: Tx, jws: unknown): Promise<Outcome<RequestRecord>> {
  const statement = await tx.verify(jws, 'RequestAccess');
  const { source: sourceId, study: studyRef, purpose } = statement.claims;
  const source = await requireSource(tx, sourceId);
  requireActive(source);
  await requireStudy(tx, sourceId, studyRef);
  const changes = new Changes();
  await tx.consume(statement, changes);
  const key = Keys.request(sourceId, studyRef, statement.signer);
  // A new request replaces the recipient's previous one; GetHistory keeps them all.
  const record: RequestRecord = {
    kind: 'request',
    id: key.id,
    source: sourceId,
    study: studyRef,
    recipient: statement.signer,
    purpose,
    requestedAt: tx.now,
    status: 'pending',
  };
  changes.put(key, record, source.org).emit({ type: 'AccessRequested', key: key.id, source: sourceId, study: studyRef, recipient: statement.signer });
  return { record, changes };
}

export async function denyAccess(tx: Tx, jws: unknown): Promise<Outcome<RequestRecord>> {
  const statement = await tx.verify(jws, 'DenyAccess');
  const { source: sourceId, study: studyRef, recipient, reason } = statement.claims;
  const source = await requireSource(tx, sourceId);
  const study = await requireStudy(tx, sourceId, studyRef);
  requirePatient(study, statement.signer);
  const key = Keys.request(sourceId, studyRef, recipient);
  const request = await tx.state.get<RequestRecord>(key);
  if (request?.status !== 'pending') {
    throw new LedgerError('REQUEST_NOT_FOUND', `no pending request for study ${studyRef} from ${recipient}`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: RequestRecord = { ...request, status: 'denied', decidedAt: tx.now, reason };
  changes.put(key, record, source.org).emit({ type: 'AccessDenied', key: key.id, source: sourceId, study: studyRef, recipient });
  return { record, changes };
}
