import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { JWK } from 'jose';
import type { PublicJwk } from '@isl/chaincode';
import { EncryptionError } from './errors';

/**
 * The key a content key is wrapped to, from the recipient's signing key (the
 * one its grant names), so a grant needs nothing more: a P-256 key is used for
 * ECDH as it is; an Ed25519 key is mapped to its X25519 twin (RFC 7748 §4.1
 * birational map, as libsodium's crypto_sign_ed25519_pk_to_curve25519).
 * Throws ENCRYPTION_KEY_UNUSABLE for a key no content key can be wrapped to
 * (a small-order point), checked by a trial agreement.
 */
export function agreementPublicJwk(signing: PublicJwk): JWK {
  let jwk: JWK;
  try {
    jwk =
      signing.kty === 'EC'
        ? { kty: 'EC', crv: 'P-256', x: signing.x, y: signing.y }
        : { kty: 'OKP', crv: 'X25519', x: Buffer.from(ed25519.utils.toMontgomery(Buffer.from(signing.x, 'base64url'))).toString('base64url') };
    trialAgreement(createPublicKey({ key: jwk, format: 'jwk' }), signing.kty === 'EC' ? 'ec' : 'x25519');
  } catch (err) {
    throw new EncryptionError('ENCRYPTION_KEY_UNUSABLE', `no content key can be wrapped to this recipient key: ${(err as Error).message}`);
  }
  return jwk;
}

/** ECDH with a throwaway key: fails for points whose shared secret would be predictable (OpenSSL refuses an all-zero X25519 result). */
function trialAgreement(publicKey: KeyObject, type: 'ec' | 'x25519'): void {
  const { privateKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('x25519');
  const secret = diffieHellman({ privateKey, publicKey });
  if (secret.every((b) => b === 0)) throw new Error('the shared secret is zero');
}

/**
 * The recipient's private agreement key from its private signing JWK: the
 * P-256 key itself, or for Ed25519 the X25519 scalar SHA-512(seed)[0..32]
 * clamped (RFC 7748 §5), the twin of agreementPublicJwk.
 */
export function agreementPrivateJwk(signingPrivate: JWK): JWK {
  if (signingPrivate.kty === 'EC' && signingPrivate.crv === 'P-256' && signingPrivate.d !== undefined) {
    return { kty: 'EC', crv: 'P-256', x: signingPrivate.x, y: signingPrivate.y, d: signingPrivate.d };
  }
  if (signingPrivate.kty === 'OKP' && signingPrivate.crv === 'Ed25519' && signingPrivate.d !== undefined && signingPrivate.x !== undefined) {
    const d = ed25519.utils.toMontgomerySecret(Buffer.from(signingPrivate.d, 'base64url'));
    const x = ed25519.utils.toMontgomery(Buffer.from(signingPrivate.x, 'base64url'));
    return { kty: 'OKP', crv: 'X25519', x: Buffer.from(x).toString('base64url'), d: Buffer.from(d).toString('base64url') };
  }
  throw new EncryptionError('ENCRYPTION_KEY_UNUSABLE', 'the key is neither a private P-256 nor a private Ed25519 key');
}
