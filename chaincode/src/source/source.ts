import { LedgerError } from '../errors';
import { Changes, type Outcome } from '../ledger/changes';
import { Keys } from '../ledger/keys';
import type { Tx } from '../ledger/tx';
import type { PublicJwk } from '../statement/keys';

/** An image source: the paper's {K_H, URL_H}, plus the organisation that relays for it. */
export interface SourceRecord {
  readonly kind: 'source';
  readonly id: string;
  /** Thumbprint of the source key. */
  readonly source: string;
  readonly jwk: PublicJwk;
  readonly url: string;
  /** MSP that registered the source: the only one that may relay its statements. */
  readonly org: string;
  readonly active: boolean;
  readonly definedAt: string;
  readonly updatedAt: string;
}

export async function defineSource(tx: Tx, jws: unknown): Promise<Outcome<SourceRecord>> {
  const statement = await tx.verify(jws, 'DefineSource');
  const key = Keys.source(statement.signer);
  if (await tx.state.exists(key)) {
    throw new LedgerError('SOURCE_EXISTS', `source ${statement.signer} is already defined`);
  }
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: SourceRecord = {
    kind: 'source',
    id: key.id,
    source: statement.signer,
    jwk: statement.signerJwk,
    url: statement.claims.url,
    org: tx.mspId,
    active: true,
    definedAt: tx.now,
    updatedAt: tx.now,
  };
  changes.put(key, record, tx.mspId).emit({ type: 'SourceDefined', key: key.id, source: record.source });
  return { record, changes };
}

export async function updateSourceUrl(tx: Tx, jws: unknown): Promise<Outcome<SourceRecord>> {
  const statement = await tx.verify(jws, 'UpdateSourceUrl');
  const source = await requireRelayedSource(tx, statement.signer);
  requireActive(source);
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: SourceRecord = { ...source, url: statement.claims.url, updatedAt: tx.now };
  changes.put(Keys.source(source.source), record, source.org).emit({ type: 'SourceUrlUpdated', key: record.id, source: record.source });
  return { record, changes };
}

export async function deactivateSource(tx: Tx, jws: unknown): Promise<Outcome<SourceRecord>> {
  const statement = await tx.verify(jws, 'DeactivateSource');
  const source = await requireRelayedSource(tx, statement.signer);
  requireActive(source);
  const changes = new Changes();
  await tx.consume(statement, changes);
  const record: SourceRecord = { ...source, active: false, updatedAt: tx.now };
  changes.put(Keys.source(source.source), record, source.org).emit({ type: 'SourceDeactivated', key: record.id, source: record.source });
  return { record, changes };
}

export async function requireSource(tx: Tx, source: string): Promise<SourceRecord> {
  const record = await tx.state.get<SourceRecord>(Keys.source(source));
  if (record === undefined) {
    throw new LedgerError('SOURCE_NOT_FOUND', `no source ${source}`);
  }
  return record;
}

/** The source, when the submitting organisation is the one that registered it. */
export async function requireRelayedSource(tx: Tx, source: string): Promise<SourceRecord> {
  const record = await requireSource(tx, source);
  if (record.org !== tx.mspId) {
    throw new LedgerError('RELAY_NOT_AUTHORISED', `source ${source} is relayed by ${record.org}, not ${tx.mspId}`);
  }
  return record;
}

export function requireActive(source: SourceRecord): void {
  if (!source.active) {
    throw new LedgerError('SOURCE_INACTIVE', `source ${source.source} was deactivated`);
  }
}
