import * as assert from 'node:assert/strict';
import { base64url } from 'jose';
import type { ErrorCode } from '../errors';
import { expectRejected } from '../testing/assertions';
import { Fixture, newParty, signRaw, type Party } from '../testing/fixture';
import { STATEMENT_MEDIA_TYPE } from './limits';
import { newStudyReference, signClaims } from './sign';

/** Every envelope and claim rejection, submitted as AllowAccess against a world where it would otherwise succeed. */
describe('statement verification (via AllowAccess)', () => {
  let f: Fixture;
  let hospital: Party;
  let patient: Party;
  let doctor: Party;
  let study: string;
  let valid: Record<string, unknown>;

  before(async () => {
    f = new Fixture();
    [hospital, patient, doctor] = await Promise.all([newParty('ES256'), newParty('EdDSA'), newParty('ES256')]);
    await f.defineSource(hospital);
    study = await f.defineStudy(hospital, patient);
  });

  beforeEach(async () => {
    valid = await f.claims('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: f.nowSeconds + 600 }, patient);
  });

  const header = (p: Party) => ({ typ: STATEMENT_MEDIA_TYPE, jwk: { ...p.publicJwk } });
  const canonical = (claims: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(claims).sort(([a], [b]) => (a < b ? -1 : 1))));

  const cases: [string, ErrorCode, () => Promise<unknown>][] = [
    ['a non-string', 'STATEMENT_MALFORMED', () => Promise.resolve(42)],
    ['two parts', 'STATEMENT_MALFORMED', () => Promise.resolve('abc.def')],
    ['an empty signature', 'STATEMENT_MALFORMED', async () => (await signClaims(valid, patient.privateJwk)).replace(/\.[^.]+$/, '.')],
    ['an oversized statement', 'STATEMENT_TOO_LARGE', () => Promise.resolve('a'.repeat(8193))],
    ['padded base64url', 'BASE64URL_INVALID', async () => `${await signClaims(valid, patient.privateJwk)}=`],
    ['standard base64 characters', 'BASE64URL_INVALID', async () => (await signClaims(valid, patient.privateJwk)).replace(/^./, '+')],
    [
      'non-canonical trailing bits',
      'BASE64URL_INVALID',
      async () => {
        const [h, p, s] = (await signClaims(valid, patient.privateJwk)).split('.') as [string, string, string];
        // 64-byte signature: 86 chars, the last carries 2 unused bits; set them.
        const last = s.at(-1) ?? 'A';
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        return `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(last) | 1]}`;
      },
    ],
    [
      'a header that is not JSON',
      'HEADER_INVALID',
      async () => `${base64url.encode('not json')}.${(await signClaims(valid, patient.privateJwk)).split('.').slice(1).join('.')}`,
    ],
    ['an unknown header member', 'HEADER_INVALID', async () => signRaw(canonical(valid), { ...header(patient), kid: 'x' }, patient.privateJwk)],
    ['a missing typ', 'HEADER_INVALID', async () => signRaw(canonical(valid), { jwk: patient.publicJwk }, patient.privateJwk)],
    [
      'alg none',
      'ALGORITHM_UNSUPPORTED',
      () => Promise.resolve(`${base64url.encode(JSON.stringify({ alg: 'none', ...header(patient) }))}.${base64url.encode(canonical(valid))}.AAAA`),
    ],
    [
      'alg HS256',
      'ALGORITHM_UNSUPPORTED',
      () => Promise.resolve(`${base64url.encode(JSON.stringify({ alg: 'HS256', ...header(patient) }))}.${base64url.encode(canonical(valid))}.AAAA`),
    ],
    [
      'a private jwk in the header',
      'KEY_INVALID',
      async () => signRaw(canonical(valid), { typ: STATEMENT_MEDIA_TYPE, jwk: patient.privateJwk }, patient.privateJwk),
    ],
    ['a jwk that does not match alg', 'KEY_INVALID', async () => signRaw(canonical(valid), { ...header(doctor) }, patient.privateJwk)],
    [
      'a signature by another key',
      'SIGNATURE_INVALID',
      async () => {
        const forged = await signRaw(canonical(valid), header(patient), (await newParty('EdDSA')).privateJwk);
        return forged;
      },
    ],
    [
      'a tampered payload',
      'SIGNATURE_INVALID',
      async () => {
        const [h, , s] = (await signClaims(valid, patient.privateJwk)).split('.');
        return `${h}.${base64url.encode(canonical({ ...valid, recipient: hospital.id }))}.${s}`;
      },
    ],
    ['a payload that is not UTF-8', 'PAYLOAD_INVALID', async () => signRaw(new Uint8Array([0xff, 0xfe, 0x7b]), header(patient), patient.privateJwk)],
    ['a payload that is not JSON', 'PAYLOAD_INVALID', async () => signRaw('{"type":', header(patient), patient.privateJwk)],
    ['a JSON array payload', 'PAYLOAD_INVALID', async () => signRaw('[1]', header(patient), patient.privateJwk)],
    ['a __proto__ member', 'FORBIDDEN_KEY', async () => signRaw(canonical(valid).replace('{', '{"__proto__":{"x":1},'), header(patient), patient.privateJwk)],
    [
      'a nested constructor member',
      'FORBIDDEN_KEY',
      async () => signRaw(canonical(valid).replace('{', '{"a":{"constructor":1},'), header(patient), patient.privateJwk),
    ],
    ['a non-canonical payload', 'PAYLOAD_NOT_CANONICAL', async () => signRaw(JSON.stringify(valid, null, 1), header(patient), patient.privateJwk)],
    ['another statement type', 'STATEMENT_TYPE_MISMATCH', async () => signClaims({ ...valid, type: 'RevokeAccess' }, patient.privateJwk)],
    ['an unknown claim', 'CLAIM_UNKNOWN', async () => signClaims({ ...valid, patientName: 'x' }, patient.privateJwk)],
    ['a missing claim', 'CLAIM_MISSING', async () => signClaims({ ...valid, until: undefined }, patient.privateJwk)],
    ['a wrongly typed claim', 'CLAIM_INVALID', async () => signClaims({ ...valid, until: String(valid.until) }, patient.privateJwk)],
    ['a malformed recipient', 'CLAIM_INVALID', async () => signClaims({ ...valid, recipient: 'abc' }, patient.privateJwk)],
    ['a purpose outside the vocabulary', 'CLAIM_INVALID', async () => signClaims({ ...valid, purpose: 'treatment of Jane Doe' }, patient.privateJwk)],
    ['an oversized recipient', 'VALUE_TOO_LARGE', async () => signClaims({ ...valid, recipient: 'A'.repeat(100) }, patient.privateJwk)],
    ['another channel', 'AUDIENCE_MISMATCH', async () => signClaims({ ...valid, aud: 'isl:other/isl' }, patient.privateJwk)],
    ['another chaincode', 'AUDIENCE_MISMATCH', async () => signClaims({ ...valid, aud: `isl:${f.ledger.channel}/other` }, patient.privateJwk)],
    ['an iss of another key', 'ISSUER_KEY_MISMATCH', async () => signClaims({ ...valid, iss: doctor.id }, patient.privateJwk)],
    [
      'an iat in the future',
      'ISSUED_AT_OUT_OF_WINDOW',
      async () => signClaims({ ...valid, iat: f.nowSeconds + 301, exp: f.nowSeconds + 400 }, patient.privateJwk),
    ],
    ['an iat too old', 'ISSUED_AT_OUT_OF_WINDOW', async () => signClaims({ ...valid, iat: f.nowSeconds - 301, exp: f.nowSeconds - 1 }, patient.privateJwk)],
    ['an exp before iat', 'STATEMENT_LIFETIME_INVALID', async () => signClaims({ ...valid, exp: f.nowSeconds - 1 }, patient.privateJwk)],
    ['a lifetime above the maximum', 'STATEMENT_LIFETIME_INVALID', async () => signClaims({ ...valid, exp: f.nowSeconds + 301 }, patient.privateJwk)],
    ['an expired statement', 'STATEMENT_EXPIRED', async () => signClaims({ ...valid, iat: f.nowSeconds - 100, exp: f.nowSeconds }, patient.privateJwk)],
    ['a short nonce', 'CLAIM_INVALID', async () => signClaims({ ...valid, jti: 'abc' }, patient.privateJwk)],
    ['a study reference that is not 32 bytes', 'CLAIM_INVALID', async () => signClaims({ ...valid, study: 'a'.repeat(43) }, patient.privateJwk)],
  ];

  for (const [name, code, make] of cases) {
    it(`rejects ${name} with ${code}, writing nothing`, async () => {
      const jws = await make();
      await expectRejected(f, () => f.ledger.invoke((ctx) => f.contract.AllowAccess(ctx, jws as string)), code);
    });
  }

  it('accepts the unmodified statement (ES256 and EdDSA signers)', async () => {
    await f.submit('AllowAccess', await signClaims(valid, patient.privateJwk));
    const es = await newParty('ES256');
    await f.defineSource(es);
    const ref = newStudyReference();
    await f.submit('DefineStudy', await f.statement('DefineStudy', { study: ref, consent: await f.consent(patient, es, ref) }, es));
    assert.equal(((await f.query('GetStudy', es.id, ref)) as { patient: string }).patient, patient.id);
  });

  it('dedupes on the canonical claims, not the JWS bytes', async () => {
    const first = await signClaims(valid, patient.privateJwk);
    // Same claims under a differently serialised header: other header and signature bytes.
    const second = await signRaw(canonical(valid), { jwk: { ...patient.publicJwk }, typ: STATEMENT_MEDIA_TYPE }, patient.privateJwk);
    assert.notEqual(first.split('.')[0], second.split('.')[0]);
    assert.notEqual(first.split('.')[2], second.split('.')[2]);
    await f.submit('AllowAccess', first);
    await expectRejected(f, () => f.submit('AllowAccess', second), 'STATEMENT_REPLAYED');
  });
});
