import { randomBytes } from 'node:crypto';
import { CompactSign, base64url, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { canonicalJson } from './canonical';
import type { Claims, Fields, StatementType } from './claims';
import { algorithmOf, publicJwk, thumbprint, type Algorithm } from './keys';
import { Limits, STATEMENT_MEDIA_TYPE } from './limits';

/** Options for building a statement; time and nonce default to now and a random value. */
export interface StatementOptions {
  readonly audience: string;
  /** Seconds since the epoch; default: now. */
  readonly issuedAt?: number;
  /** exp - iat in seconds; default: 300 (3600 would be refused: see Limits). */
  readonly lifetime?: number;
  readonly jti?: string;
}

/**
 * Signs claims as a statement: the payload is their RFC 8785 canonical form and the
 * protected header is {alg, typ, jwk} with the signer's public key.
 * The claims are signed as given, so tests can sign invalid ones.
 */
export async function signClaims(claims: object, privateJwk: JWK): Promise<string> {
  const alg = algorithmOf(privateJwk);
  if (alg === undefined) {
    throw new Error('signing key must be a P-256 or Ed25519 private JWK');
  }
  const key = await importJWK(privateJwk, alg);
  return new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
    .setProtectedHeader({ alg, typ: STATEMENT_MEDIA_TYPE, jwk: publicJwk(privateJwk) })
    .sign(key);
}

/** Builds the claims of a statement of the given type, with iss set to the signer's thumbprint. */
export async function buildClaims<T extends StatementType>(type: T, fields: Fields<T>, signer: JWK, options: StatementOptions): Promise<Claims<T>> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return {
    ...fields,
    type,
    iss: await thumbprint(signer),
    aud: options.audience,
    iat,
    exp: iat + (options.lifetime ?? Limits.maxAgeSeconds),
    jti: options.jti ?? newNonce(),
  } as Claims<T>;
}

/** Builds and signs a statement: the compact JWS to pass to the transaction. */
export async function createStatement<T extends StatementType>(type: T, fields: Fields<T>, signer: JWK, options: StatementOptions): Promise<string> {
  return signClaims(await buildClaims(type, fields, signer, options), signer);
}

/** A fresh statement nonce: 16 random bytes, base64url (22 characters). */
export function newNonce(): string {
  return base64url.encode(randomBytes(16));
}

/**
 * A fresh study reference: 32 random bytes, base64url. The image source keeps the
 * mapping to the DICOM Study Instance UID; the ledger never sees the UID.
 */
export function newStudyReference(): string {
  return base64url.encode(randomBytes(32));
}

/** A new key pair as JWKs (private JWK includes the public members). */
export async function generateStatementKey(alg: Algorithm): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : 'P-256' });
  return { privateJwk: await exportJWK(pair.privateKey), publicJwk: await exportJWK(pair.publicKey) };
}
