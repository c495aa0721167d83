import { LedgerError } from '../errors';
import type { GrantRecord } from '../grant/grant';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { requireActive, requireSource } from '../source/source';
import type { Statement } from '../statement/verify';
import { requireStudy } from '../study/study';
import { countBreakGlass } from './rate';
import { BreakGlassSettings } from './settings';

/**
 * An emergency lease of a study to a clinician without the patient's grant, vouched for by the
 * clinician's hospital (the submitting organisation). Never changed once written: the record is
 * what auditors review and what the patient is shown.
 */
export interface BreakGlassRecord {
  readonly kind: 'breakglass';
  readonly id: string;
  readonly source: string;
  readonly study: string;
  /** The clinician: thumbprint of the key that signed the statement. */
  readonly recipient: string;
  /** MSP of the hospital that submitted (vouched for) it. */
  readonly hospital: string;
  readonly purpose: typeof BreakGlassSettings.purpose;
  readonly grantedAt: string;
  /** End of the lease (exclusive). */
  readonly until: string;
  /** Digest of the BreakGlass statement: what a release under this lease names (RecordDisclosure `breakGlass`). */
  readonly statement: string;
  /** The clinician also held an active grant of the study: allowed, and still recorded as break-glass. */
  readonly grantHeld: boolean;
  /** BreakGlassSettings.version the lease was granted under. */
  readonly settings: number;
}

export async function breakGlass(tx: Tx, jws: unknown): Promise<Outcome<BreakGlassRecord>> {
  const statement = await tx.verify(jws, 'BreakGlass');
  checkClaims(tx, statement);
  const { source: sourceId, study: studyRef, until } = statement.claims;
  requireActive(await requireSource(tx, sourceId));
  const study = await requireStudy(tx, sourceId, studyRef);
  if (study.breakGlassForbidden === true) {
    throw new LedgerError('BREAK_GLASS_FORBIDDEN', `the patient of study ${studyRef} has forbidden break-glass access`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  // After the replay check: a retried statement is answered as already applied, not as over the limit.
  await countBreakGlass(tx, changes);
  const key = Keys.breakGlass(sourceId, studyRef, statement.signer, statement.digest);
  const record: BreakGlassRecord = {
    kind: 'breakglass',
    id: key.id,
    source: sourceId,
    study: studyRef,
    recipient: statement.signer,
    hospital: tx.mspId,
    purpose: BreakGlassSettings.purpose,
    grantedAt: tx.now,
    until: new Date(until * 1000).toISOString(),
    statement: statement.digest,
    grantHeld: await holdsGrant(tx, sourceId, studyRef, statement.signer),
    settings: BreakGlassSettings.version,
  };
  changes.put(key, record).emit({ type: 'BreakGlass', key: key.id, source: sourceId, study: studyRef, recipient: statement.signer, hospital: tx.mspId });
  return { record, changes };
}

/** The statement's own rules, before any record is read: who vouches, why, and for how long. */
function checkClaims(tx: Tx, statement: Statement<'BreakGlass'>): void {
  const { hospital, purpose, until } = statement.claims;
  if (hospital !== tx.mspId) {
    throw new LedgerError('BREAK_GLASS_FOREIGN_HOSPITAL', `BreakGlass names hospital ${hospital} but was submitted by ${tx.mspId}`);
  }
  if (purpose !== BreakGlassSettings.purpose) {
    throw new LedgerError('BREAK_GLASS_PURPOSE_INVALID', `BreakGlass purpose is ${purpose}, not ${BreakGlassSettings.purpose}`);
  }
  const leaseMs = until * 1000 - tx.nowMs;
  if (leaseMs <= 0 || leaseMs > BreakGlassSettings.maxLeaseSeconds * 1000) {
    throw new LedgerError(
      'BREAK_GLASS_LEASE_INVALID',
      `BreakGlass until ${until} must be after the transaction time and at most ${BreakGlassSettings.maxLeaseSeconds}s after it`,
    );
  }
}

async function holdsGrant(tx: Tx, source: string, study: string, recipient: string): Promise<boolean> {
  const grant = await tx.state.get<GrantRecord>(Keys.grant(source, study, recipient));
  return grant !== undefined && grant.status === 'active' && tx.nowMs >= Date.parse(grant.grantedAt) && tx.nowMs < Date.parse(grant.until);
}
