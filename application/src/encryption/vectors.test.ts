import { strict as assert } from 'node:assert';
import { createDecipheriv, createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, type JWK } from 'jose';
import { agreementPrivateJwk } from './agreement-key';
import { EncryptedRelease } from './encrypted-release';

interface Vector {
  readonly recipientAlg: 'ES256' | 'EdDSA';
  readonly recipientPrivateJwk: JWK;
  readonly recipientKeyId: string;
  readonly agreementPublicJwk: JWK;
  readonly agreementPrivateJwk: JWK;
  readonly encryptedInstance: string;
}
interface Vectors {
  readonly source: { readonly privateJwk: JWK; readonly keyId: string };
  readonly study: string;
  readonly request: string;
  readonly chunk: number;
  readonly plaintext: string;
  readonly vectors: readonly Vector[];
}

const file = JSON.parse(readFileSync(join(__dirname, 'vectors.json'), 'utf8')) as Vectors;
const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'image-retrieval.md'), 'utf8');

const P = 2n ** 255n - 19n;
const b64u = (b: Buffer): string => b.toString('base64url');
const fromLe = (b: Buffer): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
const toLe = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/**
 * The recipient's agreement key as docs/image-retrieval.md defines it, computed here without the
 * project's code: P-256 as is; Ed25519 → X25519 with u = (1 + y) / (1 − y) mod p and the scalar
 * SHA-512(seed)[0..32], clamped.
 */
function docAgreementKey(jwk: JWK): JWK {
  if (jwk.kty === 'EC') return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
  const y = fromLe(Buffer.from(jwk.x ?? '', 'base64url')) & ((1n << 255n) - 1n);
  const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
  const scalar = createHash('sha512')
    .update(Buffer.from(jwk.d ?? '', 'base64url'))
    .digest()
    .subarray(0, 32);
  // RFC 7748 §5 clamping (X25519 clamps anyway; the clamped form is the one written down).
  scalar[0] = (scalar[0] ?? 0) & 248;
  scalar[31] = ((scalar[31] ?? 0) & 127) | 64;
  return { kty: 'OKP', crv: 'X25519', x: b64u(toLe(u)), d: b64u(scalar) };
}

/** A decrypter written from the doc's steps alone (node:crypto for everything but JWE, which any JOSE library does). */
async function docDecrypt(instance: Buffer, v: Vector): Promise<Buffer> {
  assert.equal(instance.subarray(0, 8).toString('ascii'), 'ISL-E2E1');
  const n = instance.readUInt32BE(8);
  const [h, p, s] = instance
    .subarray(12, 12 + n)
    .toString('ascii')
    .split('.');
  const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as { alg: string; typ: string; jwk: JsonWebKey };
  assert.equal(header.typ, 'isl-e2e+jws');
  const jwk = header.jwk;
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  assert.equal(b64u(createHash('sha256').update(JSON.stringify(members)).digest()), file.source.keyId, 'signed by the source');
  const input = Buffer.from(`${h ?? ''}.${p ?? ''}`);
  const sig = Buffer.from(s ?? '', 'base64url');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(header.alg === 'ES256' ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig) : verify(null, input, key, sig));
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
  assert.deepEqual(
    [claims.v, claims.recipient, claims.study, claims.request, claims.index, claims.count],
    [1, v.recipientKeyId, file.study, file.request, 0, 1],
  );
  const { plaintext: contentKey } = await compactDecrypt(claims.cek as string, docAgreementKey(v.recipientPrivateJwk));
  const chunk = claims.chunk as number;
  const body = instance.subarray(12 + n);
  const out: Buffer[] = [];
  for (let i = 0, at = 0; at < body.length; i++, at += chunk + 16) {
    const sealed = body.subarray(at, at + chunk + 16);
    const last = at + chunk + 16 >= body.length;
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(i, 5, 6);
    nonce[11] = last ? 1 : 0;
    const d = createDecipheriv('aes-256-gcm', contentKey, nonce, { authTagLength: 16 });
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    out.push(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
  }
  return Buffer.concat(out);
}

describe('ISL-E2E1 test vectors (docs/image-retrieval.md, application/src/encryption/vectors.json)', () => {
  for (const v of file.vectors) {
    it(`${v.recipientAlg}: a decrypter written from the doc alone gets the plaintext`, async () => {
      assert.equal((await docDecrypt(Buffer.from(v.encryptedInstance, 'base64'), v)).toString(), file.plaintext);
    });

    it(`${v.recipientAlg}: isl's own decrypter gets the plaintext, and derives the agreement key the doc gives`, async () => {
      assert.deepEqual(agreementPrivateJwk(v.recipientPrivateJwk), v.agreementPrivateJwk);
      assert.deepEqual(docAgreementKey(v.recipientPrivateJwk), v.agreementPrivateJwk);
      const dir = mkdtempSync(join(tmpdir(), 'isl-e2e-vector-'));
      try {
        const release = new EncryptedRelease(
          { source: file.source.keyId, recipient: v.recipientKeyId, study: file.study, request: file.request },
          v.agreementPrivateJwk,
        );
        const sink = release.sink(join(dir, 'instance.dcm'), () => undefined);
        sink.data(Buffer.from(v.encryptedInstance, 'base64'));
        sink.end();
        await release.finish();
        assert.equal(readFileSync(join(dir, 'instance.dcm'), 'utf8'), file.plaintext);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${v.recipientAlg}: the doc quotes this vector exactly (keys and encrypted instance)`, () => {
      assert.ok(doc.includes(JSON.stringify(v.recipientPrivateJwk)), 'recipient private JWK');
      assert.ok(doc.includes(JSON.stringify(v.agreementPrivateJwk)), 'agreement private JWK');
      assert.ok(doc.includes(v.encryptedInstance.replace(/(.{100})/g, '$1\n')), 'encrypted instance, base64 in lines of 100');
    });
  }

  it('the doc quotes the source key, study, request and plaintext', () => {
    for (const text of [file.source.keyId, JSON.stringify(file.source.privateJwk), file.study, file.request, file.plaintext])
      assert.ok(doc.includes(text), text);
  });
});
