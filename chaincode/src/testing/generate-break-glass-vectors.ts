/**
 * Writes chaincode/src/statement/break-glass-vectors.json, the break-glass test vectors of
 * docs/protocol.md §11.6. The keys are those of vectors.json (§7), so one key set serves both.
 * Run: TS_NODE_PROJECT=tsconfig.test.json node -r ts-node/register/transpile-only chaincode/src/testing/generate-break-glass-vectors.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { BreakGlassSettings } from '../breakglass/settings';
import { canonicalJson } from '../statement/canonical';
import type { Fields, StatementType } from '../statement/claims';
import { buildClaims, signClaims } from '../statement/sign';

const DIR = `${__dirname}/../statement`;
const base = JSON.parse(readFileSync(`${DIR}/vectors.json`, 'utf8')) as {
  audience: string;
  transactionTime: number;
  studyReference: string;
  keys: Record<string, { privateJwk: JWK; thumbprint: string }>;
};
const TIME = base.transactionTime;
const STUDY = base.studyReference;
const ROLES = ['source', 'patient', 'recipient', 'requester'] as const;
type Role = (typeof ROLES)[number];
const keys = Object.fromEntries(ROLES.map((role) => [role, base.keys[role]])) as Record<Role, { privateJwk: JWK; thumbprint: string }>;
const id = (role: Role): string => keys[role].thumbprint;

/** The steps in order; each statement is issued 10 s before the transaction time with its own nonce. */
class Steps {
  readonly list: object[] = [];

  async add<T extends StatementType>(
    name: string,
    type: T,
    fields: Fields<T>,
    signer: Role,
    expect: string,
    mspId = 'Org1MSP',
  ): Promise<Record<string, unknown>> {
    const jti = `break-glass-nonce-${String(this.list.length + 1).padStart(4, '0')}`;
    const claims = await buildClaims(type, fields, keys[signer].privateJwk, { audience: base.audience, issuedAt: TIME - 10, lifetime: 300, jti });
    this.list.push({ name, transaction: type, mspId, claims, statement: await signClaims(claims, keys[signer].privateJwk), expect });
    return claims;
  }
}

const lease = (fields: Partial<Fields<'BreakGlass'>> = {}): Fields<'BreakGlass'> => ({
  source: id('source'),
  study: STUDY,
  hospital: 'Org2MSP',
  purpose: 'ETREAT',
  until: TIME + 4 * 3600,
  ...fields,
});

/** Every refusal of BreakGlass, then the hourly limit; answers the claims of the first accepted lease. */
async function breakGlassSteps(steps: Steps): Promise<Record<string, unknown>> {
  const first = await steps.add('clinician D of Org2MSP breaks glass, relayed by Org2MSP', 'BreakGlass', lease(), 'recipient', 'accept', 'Org2MSP');
  steps.list.push({ ...(steps.list.at(-1) as object), name: 'the same statement again', expect: 'STATEMENT_REPLAYED' });
  await steps.add('D names Org2MSP, relayed by Org1MSP', 'BreakGlass', lease(), 'recipient', 'BREAK_GLASS_FOREIGN_HOSPITAL');
  await steps.add('purpose TREAT', 'BreakGlass', lease({ purpose: 'TREAT' }), 'recipient', 'BREAK_GLASS_PURPOSE_INVALID', 'Org2MSP');
  const tooLong = lease({ until: TIME + BreakGlassSettings.maxLeaseSeconds + 1 });
  await steps.add('lease one second beyond 24 h', 'BreakGlass', tooLong, 'recipient', 'BREAK_GLASS_LEASE_INVALID', 'Org2MSP');
  await steps.add('P forbids break-glass for X', 'BreakGlassConsent', { source: id('source'), study: STUDY, allow: false }, 'patient', 'accept');
  await steps.add('clinician R of Org2MSP breaks glass', 'BreakGlass', lease(), 'requester', 'BREAK_GLASS_FORBIDDEN', 'Org2MSP');
  await steps.add('P allows it again', 'BreakGlassConsent', { source: id('source'), study: STUDY, allow: true }, 'patient', 'accept');
  for (let i = 2; i <= BreakGlassSettings.maxPerHospitalPerHour; i++) {
    await steps.add(`R breaks glass (Org2MSP's lease ${String(i)} this hour)`, 'BreakGlass', lease(), 'requester', 'accept', 'Org2MSP');
  }
  await steps.add('one lease more in the hour', 'BreakGlass', lease(), 'requester', 'BREAK_GLASS_LIMIT_REACHED', 'Org2MSP');
  return first;
}

async function main(): Promise<void> {
  const steps = new Steps();
  await steps.add('source H defines itself', 'DefineSource', { url: 'https://pacs.hospital-h.example/iti43' }, 'source', 'accept');
  const consentClaims = await buildClaims('PatientConsent', { source: id('source'), study: STUDY }, keys.patient.privateJwk, {
    audience: base.audience,
    issuedAt: TIME - 10,
    jti: 'break-glass-consent-0001',
  });
  const consent = await signClaims(consentClaims, keys.patient.privateJwk);
  await steps.add('H defines study X with P consent', 'DefineStudy', { study: STUDY, consent }, 'source', 'accept');
  const first = await breakGlassSteps(steps);
  // The statement digest: SHA-256 (hex) of the canonical claims (§2, Replay).
  const digest = createHash('sha256').update(canonicalJson(first)).digest('hex');
  const release = { study: STUDY, recipient: id('recipient'), disclosedAt: TIME - 5, size: 1_048_576, requestId: 'c0ffee00-1d2e-4f3a-9b8c-7d6e5f4a3b2c' };
  await steps.add('H records a release to D under its lease', 'RecordDisclosure', { ...release, breakGlass: digest }, 'source', 'accept');
  const leaseId = `breakglass/${id('source')}/${STUDY}/${id('recipient')}/${digest}`;
  const vectors = {
    description:
      'Break-glass test vectors for docs/protocol.md §11.6 (keys of vectors.json; private keys are test-only). Submit the steps in order, each at the transaction time, with the given relaying MSP; expect "accept" or the error code.',
    channel: 'imaging',
    chaincode: 'isl',
    audience: base.audience,
    transactionTime: TIME,
    studyReference: STUDY,
    keys,
    steps: steps.list,
    finalChecks: [
      { query: 'CheckAccess', args: [id('source'), STUDY, id('recipient'), ''], expect: { allowed: true } },
      { query: 'CheckAccess', args: [id('source'), STUDY, id('recipient'), String(TIME + 4 * 3600)], expect: { allowed: false, reason: 'NO_GRANT' } },
      { query: 'GetHistory', args: [leaseId], expect: { key: leaseId } },
    ],
  };
  writeFileSync(`${DIR}/break-glass-vectors.json`, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote break-glass-vectors.json: ${String(steps.list.length)} steps`);
}

void main();
