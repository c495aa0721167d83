/**
 * Writes chaincode/src/statement/vectors.json, the test vectors of docs/protocol.md.
 * Keys are kept from an existing file so that regenerating only re-signs statements.
 * Run: TS_NODE_PROJECT=tsconfig.test.json node -r ts-node/register/transpile-only chaincode/src/testing/generate-vectors.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { base64url, type JWK } from 'jose';
import { audienceFor } from '../statement/claims';
import { canonicalJson } from '../statement/canonical';
import { thumbprint } from '../statement/keys';
import { buildClaims, generateStatementKey, signClaims } from '../statement/sign';
import { STATEMENT_MEDIA_TYPE } from '../statement/limits';
import { signRaw } from './fixture';

const FILE = `${__dirname}/../statement/vectors.json`;
const TIME = 1_736_942_400; // 2025-01-15T12:00:00Z
const CHANNEL = 'imaging';
const CHAINCODE = 'isl';
const ROLES = { source: 'ES256', patient: 'EdDSA', recipient: 'ES256', requester: 'EdDSA', recovery: 'ES256', newPatient: 'EdDSA' } as const;
type Role = keyof typeof ROLES;

type Keys = Record<Role, { privateJwk: JWK; thumbprint: string }>;

/** The keys of the previous run (so regenerating changes only what changed), else fresh ones. */
async function loadKeys(): Promise<Keys> {
  const previous = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as { keys: Partial<Record<Role, { privateJwk: JWK }>> }) : undefined;
  const keys = {} as Keys;
  for (const [role, alg] of Object.entries(ROLES) as [Role, 'ES256' | 'EdDSA'][]) {
    const privateJwk = previous?.keys[role]?.privateJwk ?? (await generateStatementKey(alg)).privateJwk;
    keys[role] = { privateJwk, thumbprint: await thumbprint(privateJwk) };
  }
  return keys;
}

const step = async (name: string, transaction: string, claims: object | undefined, statement: string | Promise<string>, expect: string, mspId = 'Org1MSP') => ({
  name,
  transaction,
  mspId,
  ...(claims === undefined ? {} : { claims }),
  statement: await statement,
  expect,
});

function vectorFile(keys: Keys, study: string, audience: string, steps: readonly object[]) {
  const id = (role: Role) => keys[role].thumbprint;
  return {
    description:
      'Test vectors for docs/protocol.md. Private keys are test-only. Submit the steps in order, each at the transaction time, with the given relaying MSP; expect "accept" or the error code.',
    channel: CHANNEL,
    chaincode: CHAINCODE,
    audience,
    transactionTime: TIME,
    studyReference: study,
    keys,
    steps,
    finalChecks: [
      { query: 'CheckAccess', args: [id('source'), study, id('recipient'), ''], expect: { allowed: false, reason: 'GRANT_REVOKED' } },
      { query: 'CheckAccess', args: [id('source'), study, id('recipient'), String(TIME - 1)], expect: { allowed: false, reason: 'GRANT_NOT_YET_VALID' } },
      { query: 'GetStake', args: ['Org1MSP'], expect: [{ org: 'Org1MSP', studies: 1, sources: [{ source: id('source'), studies: 1 }] }] },
    ],
  };
}

/** Statements the chaincode must refuse before it checks any signature: `alg: none`, and a payload not in canonical form. */
async function malformed(patient: JWK, allow: object, revoke: object): Promise<{ noneAlg: string; spaced: string }> {
  const header = { typ: STATEMENT_MEDIA_TYPE, jwk: { kty: 'OKP', crv: 'Ed25519', x: (patient as { x: string }).x } };
  return {
    noneAlg: `${base64url.encode(JSON.stringify({ alg: 'none', ...header }))}.${base64url.encode(canonicalJson(allow))}.`,
    spaced: await signRaw(JSON.stringify(revoke, null, 2), header, patient),
  };
}

/** A RecordDisclosure carrying the optional claim `encrypted` (docs/protocol.md §8.6). */
async function encryptedDisclosureStep(study: string, recipient: string, source: JWK, options: Parameters<typeof buildClaims>[3]) {
  const claims = await buildClaims(
    'RecordDisclosure',
    { study, recipient, disclosedAt: TIME - 30, size: 52_428_800, requestId: '5e0d2b7a-91c4-4f3e-a6b8-7d2c1f0e9a34', encrypted: true },
    source,
    options,
  );
  return step('H records a release to D encrypted end to end (optional claim encrypted)', 'RecordDisclosure', claims, signClaims(claims, source), 'accept');
}

async function main(): Promise<void> {
  const keys = await loadKeys();
  const audience = audienceFor(CHANNEL, CHAINCODE);
  const options = { audience, issuedAt: TIME - 10, lifetime: 300 };
  let n = 0;
  const nonce = () => `vector-nonce-${String(++n).padStart(4, '0')}`;
  const opts = () => ({ ...options, jti: nonce() });
  const id = (role: Role) => keys[role].thumbprint;
  const pk = (role: Role) => keys[role].privateJwk;
  const study = base64url.encode(new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff));

  const defineSource = await buildClaims('DefineSource', { url: 'https://pacs.hospital-h.example/iti43' }, pk('source'), opts());
  const consent = await buildClaims('PatientConsent', { source: id('source'), study, recovery: id('recovery') }, pk('patient'), opts());
  const consentJws = await signClaims(consent, pk('patient'));
  const defineStudy = await buildClaims('DefineStudy', { study, consent: consentJws }, pk('source'), opts());
  const allow = await buildClaims(
    'AllowAccess',
    { source: id('source'), study, recipient: id('recipient'), until: TIME + 3600, purpose: 'TREAT' },
    pk('patient'),
    opts(),
  );
  const allowJws = await signClaims(allow, pk('patient'));
  const [allowHeader, , allowSig] = allowJws.split('.');
  const tampered = `${allowHeader}.${base64url.encode(canonicalJson({ ...allow, until: TIME + 86_400 }))}.${allowSig}`;
  const byRecipient = await buildClaims(
    'AllowAccess',
    { source: id('source'), study, recipient: id('recipient'), until: TIME + 3600 },
    pk('recipient'),
    opts(),
  );
  const otherChannel = await buildClaims('AllowAccess', { source: id('source'), study, recipient: id('recipient'), until: TIME + 3600 }, pk('patient'), {
    ...opts(),
    audience: audienceFor('other', CHAINCODE),
  });
  const expired = await buildClaims('AllowAccess', { source: id('source'), study, recipient: id('recipient'), until: TIME + 3600 }, pk('patient'), {
    ...opts(),
    issuedAt: TIME - 200,
    lifetime: 100,
  });
  const revoke = await buildClaims('RevokeAccess', { source: id('source'), study, recipient: id('recipient') }, pk('patient'), opts());
  const request = await buildClaims('RequestAccess', { source: id('source'), study, purpose: 'HRESCH' }, pk('requester'), opts());
  const deny = await buildClaims('DenyAccess', { source: id('source'), study, recipient: id('requester'), reason: 'PURPOSE_REFUSED' }, pk('patient'), opts());
  const rotate = await buildClaims('RotateOwnerKey', { source: id('source'), study, patient: id('newPatient') }, pk('recovery'), opts());
  const disclosure = await buildClaims(
    'RecordDisclosure',
    { study, recipient: id('recipient'), disclosedAt: TIME - 60, size: 52_428_800, requestId: '9b2f6c1e-3d4a-4f7b-8c5d-0e1f2a3b4c5d' },
    pk('source'),
    opts(),
  );
  const update = await buildClaims('UpdateSourceUrl', { url: 'https://pacs2.hospital-h.example/iti43' }, pk('source'), opts());
  const { noneAlg, spaced } = await malformed(pk('patient'), allow, revoke);

  const steps = [
    await step('source H defines itself', 'DefineSource', defineSource, signClaims(defineSource, pk('source')), 'accept'),
    await step('the same source again', 'DefineSource', defineSource, signClaims(defineSource, pk('source')), 'SOURCE_EXISTS'),
    await step(
      'H defines study X with P consent (consent embedded in claims.consent)',
      'DefineStudy',
      defineStudy,
      signClaims(defineStudy, pk('source')),
      'accept',
    ),
    await step('P allows D', 'AllowAccess', allow, allowJws, 'accept'),
    await step('payload changed after signing', 'AllowAccess', undefined, tampered, 'SIGNATURE_INVALID'),
    await step('grant signed by D, not P', 'AllowAccess', byRecipient, signClaims(byRecipient, pk('recipient')), 'SIGNER_NOT_AUTHORISED'),
    await step('audience of another channel', 'AllowAccess', otherChannel, signClaims(otherChannel, pk('patient')), 'AUDIENCE_MISMATCH'),
    await step('expired statement', 'AllowAccess', expired, signClaims(expired, pk('patient')), 'STATEMENT_EXPIRED'),
    await step('alg none', 'AllowAccess', undefined, noneAlg, 'STATEMENT_MALFORMED'),
    await step('payload not in canonical form', 'RevokeAccess', undefined, spaced, 'PAYLOAD_NOT_CANONICAL'),
    await step('P revokes D', 'RevokeAccess', revoke, signClaims(revoke, pk('patient')), 'accept'),
    await step('the AllowAccess replayed after the revocation', 'AllowAccess', allow, allowJws, 'STATEMENT_REPLAYED'),
    await step('research group R requests X', 'RequestAccess', request, signClaims(request, pk('requester')), 'accept'),
    await step('P denies R', 'DenyAccess', deny, signClaims(deny, pk('patient')), 'accept'),
    await step('recovery key moves X to a new patient key', 'RotateOwnerKey', rotate, signClaims(rotate, pk('recovery')), 'accept'),
    await step('H records a release to D', 'RecordDisclosure', disclosure, signClaims(disclosure, pk('source')), 'accept'),
    await step('H URL update relayed by another organisation', 'UpdateSourceUrl', update, signClaims(update, pk('source')), 'RELAY_NOT_AUTHORISED', 'Org2MSP'),
  ];
  // Built last so the jti of every earlier step stays what it was.
  steps.push(await encryptedDisclosureStep(study, id('recipient'), pk('source'), opts()));
  const vectors = vectorFile(keys, study, audience, steps);
  writeFileSync(FILE, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${FILE}: ${steps.length} steps`);
}

void main();
