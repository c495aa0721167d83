import { createECDH, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

import { WalletError } from './errors';
import { SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningKey } from './signing-key';

/** Who the key acts for on the ledger. */
export type KeyRole = 'patient' | 'recipient';
export const KEY_ROLES: readonly KeyRole[] = ['patient', 'recipient'];

/** What the key is for: signing statements about one study, or rotating that study's owner key. */
export type KeyPurpose = 'study' | 'recovery';
export const KEY_PURPOSES: readonly KeyPurpose[] = ['study', 'recovery'];

/** Everything that selects one derived key, besides the master secret. */
export interface DerivationPath {
  readonly role: KeyRole;
  readonly purpose: KeyPurpose;
  /** A local label chosen by the wallet, e.g. "study-7"; known before any study reference exists. */
  readonly context: string;
  readonly alg: SigningAlgorithm;
}

export const MASTER_SECRET_LENGTH = 32;

/** Bumping the version changes every derived key; never reuse "v1" for a different scheme. */
const INFO_PREFIX = 'isl/v1';

/**
 * No '/' so the info string splits back into its parts unambiguously, and
 * ASCII only so every implementation encodes it to the same bytes.
 */
const CONTEXT_PATTERN = /^[A-Za-z0-9._~:@+=-]{1,128}$/;

/** P-256 group order n. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410 §7). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function assertValidContext(context: string): void {
  if (!CONTEXT_PATTERN.test(context)) {
    throw new WalletError('INVALID_CONTEXT', `Context label must match ${String(CONTEXT_PATTERN)}: ${JSON.stringify(context)}`);
  }
}

/** The HKDF info string for a path, e.g. "isl/v1/patient/study/study-7/ES256". */
export function derivationInfo(path: DerivationPath): string {
  // Checked at run time too: paths also arrive from the decrypted wallet index.
  if (!KEY_ROLES.includes(path.role)) {
    throw new WalletError('INVALID_ARGUMENT', `Unknown key role: ${path.role}`);
  }
  if (!KEY_PURPOSES.includes(path.purpose)) {
    throw new WalletError('INVALID_ARGUMENT', `Unknown key purpose: ${path.purpose}`);
  }
  if (!SIGNING_ALGORITHMS.includes(path.alg)) {
    throw new WalletError('INVALID_ARGUMENT', `Unsupported algorithm: ${path.alg}`);
  }
  assertValidContext(path.context);
  return `${INFO_PREFIX}/${path.role}/${path.purpose}/${path.context}/${path.alg}`;
}

/**
 * Derive the key pair for a path. Pure and deterministic: an independent
 * wallet following docs/wallet.md gets the same keys from the same secret.
 */
export async function deriveSigningKey(masterSecret: Uint8Array, path: DerivationPath): Promise<SigningKey> {
  if (masterSecret.length !== MASTER_SECRET_LENGTH) {
    throw new WalletError('INVALID_ARGUMENT', `Master secret must be ${MASTER_SECRET_LENGTH} bytes`);
  }
  const info = derivationInfo(path);
  const { privateKey, publicJwk } = path.alg === 'EdDSA' ? ed25519FromSeed(hkdf(masterSecret, info, 32)) : p256FromBytes(hkdf(masterSecret, info, 48));
  const keyId = await calculateJwkThumbprint(publicJwk, 'sha256');
  return Object.freeze({ alg: path.alg, publicJwk: Object.freeze(publicJwk), keyId, privateKey });
}

function hkdf(masterSecret: Uint8Array, info: string, length: number): Buffer {
  // Empty salt: the master secret is already uniformly random (RFC 5869 §3.1).
  return Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), Buffer.from(info, 'utf8'), length));
}

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

function ed25519FromSeed(seed: Buffer): KeyPair {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x } };
}

/**
 * d = (c mod (n-1)) + 1 with c a 384-bit string: the "extra random bits"
 * method of FIPS 186-5 A.2.1. One HKDF call and no loop, so it is easy to
 * reproduce; the bias is below 2^-128.
 */
function p256FromBytes(bytes: Buffer): KeyPair {
  const c = BigInt(`0x${bytes.toString('hex')}`);
  const scalar = (c % (P256_ORDER - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex');

  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(null, 'uncompressed'); // 0x04 || x || y
  const x = point.subarray(1, 33).toString('base64url');
  const y = point.subarray(33, 65).toString('base64url');

  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', x, y, d: d.toString('base64url') },
    format: 'jwk',
  });
  return { privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x, y } };
}
