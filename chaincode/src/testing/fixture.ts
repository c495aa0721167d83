import { CompactSign, importJWK, type JWK } from 'jose';
import { LedgerContract } from '../contract';
import { audienceFor, type Fields, type StatementType } from '../statement/claims';
import { algorithmOf } from '../statement/keys';
import { buildClaims, newStudyReference, signClaims, type StatementOptions } from '../statement/sign';
import { MemoryLedger } from './memory-ledger';

import type { Party } from './party';

export { newParty, partyFromJwk, type Party } from './party';

type TxName =
  | 'DefineSource'
  | 'UpdateSourceUrl'
  | 'DeactivateSource'
  | 'DefineStudy'
  | 'AllowAccess'
  | 'RevokeAccess'
  | 'RequestAccess'
  | 'DenyAccess'
  | 'RotateOwnerKey'
  | 'RecordDisclosure'
  | 'BreakGlass'
  | 'BreakGlassConsent';
type QueryName =
  | 'GetSource'
  | 'ListSources'
  | 'GetStudy'
  | 'CheckAccess'
  | 'ListGrants'
  | 'ListRequests'
  | 'ListDisclosures'
  | 'GetHistory'
  | 'GetStake'
  | 'GetStakeActivity'
  | 'ListEpochs'
  | 'GetEpoch'
  | 'ListBreakGlass'
  | 'AuditBreakGlass';

export const ORG1 = 'Org1MSP';
export const ORG2 = 'Org2MSP';
export const CHAINCODE = 'isl';

/** A contract over an in-memory ledger, with helpers to sign and submit statements. */
export class Fixture {
  readonly ledger: MemoryLedger;
  readonly contract = new LedgerContract();
  readonly audience: string;

  constructor(ledger = new MemoryLedger()) {
    this.ledger = ledger;
    this.audience = audienceFor(ledger.channel, process.env.ISL_CHAINCODE_NAME ?? CHAINCODE);
  }

  get nowSeconds(): number {
    return Math.floor(this.ledger.clockMs / 1000);
  }

  advance(seconds: number): void {
    this.ledger.clockMs += seconds * 1000;
  }

  options(overrides: Partial<StatementOptions> = {}): StatementOptions {
    return { audience: this.audience, issuedAt: this.nowSeconds, ...overrides };
  }

  claims<T extends StatementType>(type: T, fields: Fields<T>, signer: Party, overrides: Partial<StatementOptions> = {}): Promise<Record<string, unknown>> {
    return buildClaims(type, fields, signer.privateJwk, this.options(overrides));
  }

  async statement<T extends StatementType>(type: T, fields: Fields<T>, signer: Party, overrides: Partial<StatementOptions> = {}): Promise<string> {
    return signClaims(await this.claims(type, fields, signer, overrides), signer.privateJwk);
  }

  async submit(name: TxName, statement: string, mspId: string = ORG1): Promise<Record<string, unknown>> {
    const result = await this.ledger.invoke((ctx) => this.contract[name](ctx, statement), { mspId });
    return JSON.parse(result) as Record<string, unknown>;
  }

  async query(name: QueryName, ...args: string[]): Promise<unknown> {
    const result = await this.ledger.invoke((ctx) => (this.contract[name] as (ctx: unknown, ...a: string[]) => Promise<string>)(ctx, ...args));
    return JSON.parse(result) as unknown;
  }

  // Scenario steps used by many tests.

  async defineSource(source: Party, mspId: string = ORG1, url = 'https://pacs.hospital-h.example/iti43'): Promise<void> {
    await this.submit('DefineSource', await this.statement('DefineSource', { url }, source), mspId);
  }

  async consent(patient: Party, source: Party, study: string, recovery?: Party): Promise<string> {
    return this.statement('PatientConsent', { source: source.id, study, ...(recovery ? { recovery: recovery.id } : {}) }, patient);
  }

  async defineStudy(source: Party, patient: Party, options: { recovery?: Party; mspId?: string } = {}): Promise<string> {
    const study = newStudyReference();
    const consent = await this.consent(patient, source, study, options.recovery);
    await this.submit('DefineStudy', await this.statement('DefineStudy', { study, consent }, source), options.mspId ?? ORG1);
    return study;
  }

  async allow(patient: Party, source: Party, study: string, recipient: Party, untilSeconds = this.nowSeconds + 3600): Promise<string> {
    const jws = await this.statement('AllowAccess', { source: source.id, study, recipient: recipient.id, until: untilSeconds, purpose: 'TREAT' }, patient);
    await this.submit('AllowAccess', jws);
    return jws;
  }

  async check(source: Party, study: string, recipient: Party, at = ''): Promise<{ allowed: boolean; reason?: string }> {
    return (await this.query('CheckAccess', source.id, study, recipient.id, at)) as { allowed: boolean; reason?: string };
  }
}

/** Signs arbitrary payload bytes under an arbitrary protected header, for malformed-statement tests. */
export async function signRaw(payload: Uint8Array | string, header: Record<string, unknown>, privateJwk: JWK): Promise<string> {
  const alg = algorithmOf(privateJwk) ?? 'EdDSA';
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return new CompactSign(bytes).setProtectedHeader({ alg, ...header }).sign(await importJWK(privateJwk, alg));
}
