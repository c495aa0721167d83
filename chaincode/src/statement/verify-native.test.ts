import * as assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { base64url, calculateJwkThumbprint } from 'jose';
import { LedgerError } from '../errors';
import { newParty, signRaw } from '../testing/fixture';
import { canonicalJson } from './canonical';
import { STATEMENT_MEDIA_TYPE } from './limits';
import { buildClaims, newStudyReference, signClaims } from './sign';
import { verifyStatement } from './verify';

/**
 * The signature and thumbprint checks run on Node's crypto rather than jose's WebCrypto path
 * (docs/performance.md): these pin the edges where the two could differ.
 */
describe('statement verification on native crypto', () => {
  const audience = 'isl:test/isl';
  const nowMs = Date.UTC(2026, 10, 26, 6, 0, 0);
  const options = { audience, nowMs };

  async function statementBy(alg: 'ES256' | 'EdDSA') {
    const [patient, doctor] = await Promise.all([newParty(alg), newParty('ES256')]);
    const fields = { source: doctor.id, study: newStudyReference(), recipient: doctor.id, until: nowMs / 1000 + 600 };
    const claims = await buildClaims('AllowAccess', fields, patient.privateJwk, { audience, issuedAt: nowMs / 1000 });
    return { patient, claims, jws: await signClaims(claims, patient.privateJwk) };
  }

  async function refusal(jws: string): Promise<string> {
    try {
      await verifyStatement(jws, 'AllowAccess', options);
    } catch (err) {
      assert.ok(err instanceof LedgerError, `a LedgerError, not ${String(err)}`);
      return err.code;
    }
    assert.fail('the statement was accepted');
  }

  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`accepts a valid ${alg} statement and names its signer by jose's RFC 7638 thumbprint`, async () => {
      const { patient, claims, jws } = await statementBy(alg);
      const verified = await verifyStatement(jws, 'AllowAccess', options);
      assert.equal(verified.signer, await calculateJwkThumbprint(patient.publicJwk, 'sha256'));
      assert.equal(verified.signer, patient.id);
      assert.deepEqual(verified.claims, claims);
    });
  }

  it('refuses a P-256 header key whose point is not on the curve with KEY_INVALID', async () => {
    const { patient, claims } = await statementBy('ES256');
    const y = base64url.decode(String(patient.publicJwk.y));
    y[31] = (y[31] ?? 0) ^ 1;
    const jwk = { ...patient.publicJwk, y: base64url.encode(y) };
    const jws = await signRaw(canonicalJson(claims), { typ: STATEMENT_MEDIA_TYPE, jwk }, patient.privateJwk);
    assert.equal(await refusal(jws), 'KEY_INVALID');
  });

  it('refuses an ES256 signature in DER instead of r || s with SIGNATURE_INVALID', async () => {
    const { patient, jws } = await statementBy('ES256');
    const [header, payload] = jws.split('.') as [string, string];
    const der = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey({ key: patient.privateJwk, format: 'jwk' }));
    assert.notEqual(der.length, 64);
    assert.equal(await refusal(`${header}.${payload}.${base64url.encode(der)}`), 'SIGNATURE_INVALID');
  });

  it('refuses an EdDSA signature of the wrong length with SIGNATURE_INVALID', async () => {
    const { jws } = await statementBy('EdDSA');
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const short = base64url.encode(base64url.decode(signature).subarray(0, 63));
    assert.equal(await refusal(`${header}.${payload}.${short}`), 'SIGNATURE_INVALID');
  });
});
