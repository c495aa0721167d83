import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import { requireRelayedSource } from '../source/source';
import { Limits } from '../statement/limits';
import { requireStudy } from '../study/study';

/** A release of a study by its source (HIPAA accounting of disclosures). */
export interface DisclosureRecord {
  readonly kind: 'disclosure';
  readonly id: string;
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
  readonly disclosedAt: string;
  /** Bytes released. */
  readonly size: number;
  readonly requestId: string;
  /** Whether the release was encrypted end to end to the recipient (false when the statement does not say). */
  readonly encrypted: boolean;
  readonly recordedAt: string;
  /** Released under this break-glass lease (its record id), not under a grant. */
  readonly breakGlass?: string;
}

/** Allowed for deactivated sources too: releases made before deactivation must still be accounted for. */
export async function recordDisclosure(tx: Tx, jws: unknown): Promise<Outcome<DisclosureRecord>> {
  const statement = await tx.verify(jws, 'RecordDisclosure');
  const { study: studyRef, recipient, disclosedAt, size, requestId, encrypted, breakGlass } = statement.claims;
  const source = await requireRelayedSource(tx, statement.signer);
  await requireStudy(tx, source.source, studyRef);
  const lease = breakGlass === undefined ? undefined : Keys.breakGlass(source.source, studyRef, recipient, breakGlass);
  if (lease !== undefined && !(await tx.state.exists(lease))) {
    throw new LedgerError('BREAK_GLASS_NOT_FOUND', `no break-glass lease ${breakGlass ?? ''} of study ${studyRef} to ${recipient}`);
  }
  if (disclosedAt * 1000 > tx.nowMs + Limits.clockSkewSeconds * 1000) {
    throw new LedgerError('CLAIM_INVALID', `RecordDisclosure claim "disclosedAt" ${disclosedAt} is in the future`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  const key = Keys.disclosure(source.source, studyRef, statement.digest);
  const record: DisclosureRecord = {
    kind: 'disclosure',
    id: key.id,
    source: source.source,
    study: studyRef,
    recipient,
    disclosedAt: new Date(disclosedAt * 1000).toISOString(),
    size,
    requestId,
    encrypted: encrypted === true,
    recordedAt: tx.now,
    ...(lease === undefined ? {} : { breakGlass: lease.id }),
  };
  changes.put(key, record, source.org).emit({ type: 'DisclosureRecorded', key: key.id, source: source.source, study: studyRef, recipient });
  return { record, changes };
}
