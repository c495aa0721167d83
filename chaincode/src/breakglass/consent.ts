import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { requireSource } from '../source/source';
import { requirePatient, requireStudy, type StudyRecord } from '../study/study';

/**
 * The patient forbids (allow: false) or allows again break-glass access to a study. Leases
 * already opened run to their end (at most BreakGlassSettings.maxLeaseSeconds): the emergency
 * they were opened for may still be going on, and each is on the record for review.
 */
export async function breakGlassConsent(tx: Tx, jws: unknown): Promise<Outcome<StudyRecord>> {
  const statement = await tx.verify(jws, 'BreakGlassConsent');
  const { source: sourceId, study: studyRef, allow, iat } = statement.claims;
  const source = await requireSource(tx, sourceId);
  const study = await requireStudy(tx, sourceId, studyRef);
  requirePatient(study, statement.signer);
  const changes = new Changes();
  await tx.consume(statement, changes);
  // Statements live 300 s: of two signed in that window, the later one wins, whatever the commit order.
  if (study.breakGlassChangedAt !== undefined && iat * 1000 < Date.parse(study.breakGlassChangedAt)) {
    throw new LedgerError('STATEMENT_SUPERSEDED', `BreakGlassConsent issued at ${iat} precedes the one in force, issued at ${study.breakGlassChangedAt}`);
  }
  const record: StudyRecord = {
    ...withoutForbidden(study),
    ...(allow ? {} : { breakGlassForbidden: true }),
    breakGlassChangedAt: new Date(iat * 1000).toISOString(),
  };
  changes.put(Keys.study(sourceId, studyRef), record, source.org).emit({ type: 'BreakGlassConsentChanged', key: record.id, source: sourceId, study: studyRef });
  return { record, changes };
}

function withoutForbidden(study: StudyRecord): StudyRecord {
  const copy: { -readonly [K in keyof StudyRecord]: StudyRecord[K] } = { ...study };
  delete copy.breakGlassForbidden;
  return copy;
}
