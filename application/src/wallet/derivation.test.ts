import { strict as assert } from 'node:assert';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, compactVerify, importJWK } from 'jose';

import { derivationInfo, deriveSigningKey, KEY_PURPOSES, KEY_ROLES, type DerivationPath } from './derivation';
import { isWalletError } from './errors';
import { privateJwkOf, SIGNING_ALGORITHMS } from './signing-key';

const SECRET = Buffer.alloc(32, 0x42);
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const path = (overrides: Partial<DerivationPath> = {}): DerivationPath => ({
  role: 'patient',
  purpose: 'study',
  context: 'study-1',
  alg: 'ES256',
  ...overrides,
});

const arbPath: fc.Arbitrary<DerivationPath> = fc.record({
  role: fc.constantFrom(...KEY_ROLES),
  purpose: fc.constantFrom(...KEY_PURPOSES),
  context: fc.stringMatching(/^[A-Za-z0-9._~:@+=-]{1,20}$/),
  alg: fc.constantFrom(...SIGNING_ALGORITHMS),
});

describe('wallet derivation', () => {
  it('names role, purpose, context and algorithm in the HKDF info string', () => {
    assert.equal(derivationInfo(path()), 'isl/v1/patient/study/study-1/ES256');
    assert.equal(derivationInfo(path({ role: 'recipient', purpose: 'recovery', alg: 'EdDSA' })), 'isl/v1/recipient/recovery/study-1/EdDSA');
  });

  for (const context of ['', 'a/b', 'with space', 'é', 'x'.repeat(129)]) {
    it(`rejects context ${JSON.stringify(context.slice(0, 12))}`, () => {
      assert.throws(
        () => derivationInfo(path({ context })),
        (err) => isWalletError(err, 'INVALID_CONTEXT'),
      );
    });
  }

  it('rejects an unknown role or algorithm arriving untyped', () => {
    assert.throws(
      () => derivationInfo(path({ role: 'admin' as never })),
      (err) => isWalletError(err, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => derivationInfo(path({ alg: 'RS256' as never })),
      (err) => isWalletError(err, 'INVALID_ARGUMENT'),
    );
  });

  it('rejects a master secret that is not 32 bytes', async () => {
    await assert.rejects(deriveSigningKey(Buffer.alloc(31), path()), (err) => isWalletError(err, 'INVALID_ARGUMENT'));
  });

  it('is deterministic: same secret and path give the same key (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), arbPath, async (secret, p) => {
        const [a, b] = await Promise.all([deriveSigningKey(secret, p), deriveSigningKey(Uint8Array.from(secret), { ...p })]);
        assert.equal(a.keyId, b.keyId);
        assert.deepEqual(a.privateKey.export({ format: 'jwk' }), b.privateKey.export({ format: 'jwk' }));
      }),
      { numRuns: 50 },
    );
  });

  it('separates keys: different paths never share a key (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbPath, arbPath, async (p, q) => {
        fc.pre(derivationInfo(p) !== derivationInfo(q));
        const [a, b] = await Promise.all([deriveSigningKey(SECRET, p), deriveSigningKey(SECRET, q)]);
        assert.notEqual(a.keyId, b.keyId);
      }),
      { numRuns: 200 },
    );
  });

  it('separates keys: different secrets give different keys for the same path (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), arbPath, async (s, t, p) => {
        fc.pre(!Buffer.from(s).equals(t));
        assert.notEqual((await deriveSigningKey(s, p)).keyId, (await deriveSigningKey(t, p)).keyId);
      }),
      { numRuns: 50 },
    );
  });

  it('separates each dimension of the path explicitly', async () => {
    const base = await deriveSigningKey(SECRET, path());
    const variants = [path({ role: 'recipient' }), path({ purpose: 'recovery' }), path({ context: 'study-2' }), path({ alg: 'EdDSA' })];
    const ids = new Set([base.keyId, ...(await Promise.all(variants.map((v) => deriveSigningKey(SECRET, v)))).map((k) => k.keyId)]);
    assert.equal(ids.size, 5);
  });

  it('builds public JWKs with only the thumbprint members, and keyId is their RFC 7638 thumbprint', async () => {
    for (const alg of SIGNING_ALGORITHMS) {
      const key = await deriveSigningKey(SECRET, path({ alg }));
      const members = alg === 'ES256' ? ['crv', 'kty', 'x', 'y'] : ['crv', 'kty', 'x'];
      assert.deepEqual(Object.keys(key.publicJwk).sort(), members);
      // Computed here by hand, independently of jose.
      const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, (key.publicJwk as Record<string, unknown>)[m]])));
      assert.equal(key.keyId, createHash('sha256').update(canonical).digest('base64url'));
      // The public JWK really is the private key's public half.
      assert.deepEqual(createPublicKey(key.privateKey).export({ format: 'jwk' }), key.publicJwk);
    }
  });

  it('uses the HKDF seed directly as the Ed25519 private key', async () => {
    const { hkdfSync } = await import('node:crypto');
    const seed = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'isl/v1/patient/study/study-1/EdDSA', 32));
    const key = await deriveSigningKey(SECRET, path({ alg: 'EdDSA' }));
    assert.equal(key.privateKey.export({ format: 'jwk' }).d, seed.toString('base64url'));
  });

  it('derives the P-256 scalar as (48 HKDF bytes mod (n-1)) + 1', async () => {
    const { hkdfSync } = await import('node:crypto');
    const okm = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'isl/v1/patient/study/study-1/ES256', 48));
    const expected = (BigInt(`0x${okm.toString('hex')}`) % (P256_ORDER - 1n)) + 1n;
    const key = await deriveSigningKey(SECRET, path());
    const d = key.privateKey.export({ format: 'jwk' }).d;
    assert.ok(d);
    assert.equal(BigInt(`0x${Buffer.from(d, 'base64url').toString('hex')}`), expected);
    // Node accepts it back as a valid private key.
    createPrivateKey({ key: key.privateKey.export({ format: 'jwk' }), format: 'jwk' });
  });

  for (const alg of SIGNING_ALGORITHMS) {
    it(`signs JWS (${alg}) that jose verifies against the public JWK, and not against another key`, async () => {
      const key = await deriveSigningKey(SECRET, path({ alg }));
      const other = await deriveSigningKey(SECRET, path({ alg, context: 'study-2' }));
      const jws = await new CompactSign(new TextEncoder().encode('{"claim":1}')).setProtectedHeader({ alg }).sign(key.privateKey);

      const { payload } = await compactVerify(jws, await importJWK(key.publicJwk, alg));
      assert.equal(new TextDecoder().decode(payload), '{"claim":1}');
      await assert.rejects(compactVerify(jws, await importJWK(other.publicJwk, alg)));
    });
  }

  it('exports the private key as a JWK that jose can sign with', async () => {
    for (const alg of SIGNING_ALGORITHMS) {
      const key = await deriveSigningKey(SECRET, path({ alg }));
      const jwk = privateJwkOf(key);
      assert.equal(typeof jwk.d, 'string');
      assert.deepEqual({ ...jwk, d: undefined }, { ...key.publicJwk, d: undefined });
      const { CompactSign } = await import('jose');
      const jws = await new CompactSign(Buffer.from('p')).setProtectedHeader({ alg }).sign(await importJWK(jwk, alg));
      await compactVerify(jws, await importJWK(key.publicJwk, alg));
    }
  });
});
