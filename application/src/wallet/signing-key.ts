import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** JWS algorithms a wallet key can sign with. */
export type SigningAlgorithm = 'ES256' | 'EdDSA';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA'];

/**
 * A derived key pair ready for jose's CompactSign. The statement builder
 * depends only on this shape, not on the wallet.
 */
export interface SigningKey {
  readonly alg: SigningAlgorithm;
  /** Public members only (kty, crv, x[, y]); no kid, so it hashes to {@link keyId}. */
  readonly publicJwk: JWK;
  /** RFC 7638 SHA-256 JWK thumbprint of publicJwk, base64url. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

/**
 * The private key as a JWK (d plus public members), for APIs that take a
 * JWK rather than a KeyObject, e.g. the statement builder's signClaims().
 */
export function privateJwkOf(key: SigningKey): JWK {
  return key.privateKey.export({ format: 'jwk' });
}
