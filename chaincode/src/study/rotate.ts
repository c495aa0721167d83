import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { requireSource } from '../source/source';
import { requireStudy, type StudyRecord } from './study';

/**
 * Moves a study to a new patient key, signed by the recovery key named at DefineStudy.
 * Grants already made stay in force; the new key can revoke them.
 */
export async function rotateOwnerKey(tx: Tx, jws: unknown): Promise<Outcome<StudyRecord>> {
  const statement = await tx.verify(jws, 'RotateOwnerKey');
  const { source: sourceId, study: studyRef, patient, recovery } = statement.claims;
  const source = await requireSource(tx, sourceId);
  const study = await requireStudy(tx, sourceId, studyRef);
  if (study.recovery === undefined || statement.signer !== study.recovery) {
    throw new LedgerError('SIGNER_NOT_AUTHORISED', `RotateOwnerKey must be signed by the recovery key of study ${studyRef}`);
  }
  const nextRecovery = recovery ?? study.recovery;
  if (patient === study.patient || patient === nextRecovery) {
    throw new LedgerError('ROTATION_INVALID', 'new patient key must differ from the current patient key and from the recovery key');
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: StudyRecord = { ...study, patient, recovery: nextRecovery, rotatedAt: tx.now };
  changes.put(Keys.study(sourceId, studyRef), record, source.org).emit({ type: 'OwnerKeyRotated', key: record.id, source: sourceId, study: studyRef });
  return { record, changes };
}
