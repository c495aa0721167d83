import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { Limits } from '../statement/limits';
import { requireActive, requireRelayedSource } from '../source/source';
import type { StakeEntry } from '../stake/stake';

/** A study: the paper's {K_H, {K_P, K_H, ref}_P}_H. The reference is a surrogate, never the UID. */
export interface StudyRecord {
  readonly kind: 'study';
  readonly id: string;
  readonly source: string;
  readonly study: string;
  /** Thumbprint of the current patient (owner) key. */
  readonly patient: string;
  /** Thumbprint of the key that may rotate the patient key, if the patient named one. */
  readonly recovery?: string;
  readonly definedAt: string;
  readonly rotatedAt?: string;
  /** The patient forbids break-glass access (PatientConsent `breakGlass: false`, or BreakGlassConsent). */
  readonly breakGlassForbidden?: true;
  /** iat of the last BreakGlassConsent: an older one cannot undo it. */
  readonly breakGlassChangedAt?: string;
}

export async function defineStudy(tx: Tx, jws: unknown): Promise<Outcome<StudyRecord>> {
  const statement = await tx.verify(jws, 'DefineStudy');
  const source = await requireRelayedSource(tx, statement.signer);
  requireActive(source);
  const consent = await tx.verify(statement.claims.consent, 'PatientConsent', Limits.maxConsentLength);
  if (consent.claims.source !== source.source) {
    throw new LedgerError('CONSENT_MISMATCH', 'consent names another source than the DefineStudy signer');
  }
  if (consent.claims.study !== statement.claims.study) {
    throw new LedgerError('CONSENT_MISMATCH', 'consent names another study reference than DefineStudy');
  }
  if (consent.claims.recovery === consent.signer) {
    throw new LedgerError('CONSENT_MISMATCH', 'recovery key must differ from the patient key');
  }
  const key = Keys.study(source.source, statement.claims.study);
  if (await tx.state.exists(key)) {
    throw new LedgerError('STUDY_EXISTS', `study ${statement.claims.study} is already defined for source ${source.source}`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  await tx.consume(consent, changes);
  const record: StudyRecord = {
    kind: 'study',
    id: key.id,
    source: source.source,
    study: statement.claims.study,
    patient: consent.signer,
    ...(consent.claims.recovery === undefined ? {} : { recovery: consent.claims.recovery }),
    ...(consent.claims.breakGlass === false ? { breakGlassForbidden: true } : {}),
    definedAt: tx.now,
  };
  // One stake entry per study, so concurrent DefineStudy transactions never write the same key.
  const stakeKey = Keys.stake(source.org, source.source, record.study);
  const stake: StakeEntry = { kind: 'stake', org: source.org, source: source.source, study: record.study, definedAt: tx.now };
  changes.put(key, record, source.org).put(stakeKey, stake, source.org).emit({ type: 'StudyDefined', key: key.id, source: record.source, study: record.study });
  return { record, changes };
}

export async function requireStudy(tx: Tx, source: string, study: string): Promise<StudyRecord> {
  const record = await tx.state.get<StudyRecord>(Keys.study(source, study));
  if (record === undefined) {
    throw new LedgerError('STUDY_NOT_FOUND', `no study ${study} at source ${source}`);
  }
  return record;
}

export function requirePatient(study: StudyRecord, signer: string): void {
  if (signer !== study.patient) {
    throw new LedgerError('SIGNER_NOT_AUTHORISED', `statement must be signed by the patient key of study ${study.study}`);
  }
}
