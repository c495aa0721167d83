import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import canonicalize from 'canonicalize';
import { concat, fromBase64Url, hex, sha256, toBase64Url, utf8 } from './bytes';
import type { SubtleKey } from './bytes';

/**
 * Per-study key derivation exactly as docs/wallet.md specifies (HKDF-SHA-256
 * with info "isl/v1/<role>/<purpose>/<context>/<alg>"), in the browser. WebCrypto
 * derives and signs; @noble/curves only computes the public point of a derived
 * scalar, which WebCrypto cannot do from a private scalar alone.
 */
export type Alg = 'ES256' | 'EdDSA';
export type Role = 'patient' | 'recipient';
export type Purpose = 'study' | 'recovery';

export interface PublicJwk {
  readonly kty: 'EC' | 'OKP';
  readonly crv: 'P-256' | 'Ed25519';
  readonly x: string;
  readonly y?: string;
}

/** A derived key: its public JWK, thumbprint and a WebCrypto signing key (not extractable). */
export interface BrowserKey {
  readonly alg: Alg;
  readonly publicJwk: PublicJwk;
  readonly keyId: string;
  readonly signer: SubtleKey;
}

const CONTEXT_PATTERN = /^[A-Za-z0-9._~:@+=-]{1,128}$/;
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export function derivationInfo(role: Role, purpose: Purpose, context: string, alg: Alg): string {
  if (!CONTEXT_PATTERN.test(context)) throw new Error(`context label must match ${String(CONTEXT_PATTERN)}`);
  return `isl/v1/${role}/${purpose}/${context}/${alg}`;
}

async function hkdf(secret: Uint8Array<ArrayBuffer>, info: string, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const ikm = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) }, ikm, length * 8);
  return new Uint8Array(bits);
}

/** RFC 7638 thumbprint: SHA-256 of the canonical JSON of the required members. */
export async function thumbprint(jwk: PublicJwk): Promise<string> {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return toBase64Url(await sha256(utf8(canonicalize(members) ?? '')));
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${hex(bytes)}`);
}

function bigIntTo32(value: bigint): Uint8Array<ArrayBuffer> {
  const text = value.toString(16).padStart(64, '0');
  return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

async function p256Key(okm: Uint8Array): Promise<{ publicJwk: PublicJwk; signer: SubtleKey }> {
  const d = bigIntTo32((bytesToBigInt(okm) % (P256_ORDER - 1n)) + 1n);
  const point = p256.getPublicKey(d, false); // 0x04 || x || y
  const publicJwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: toBase64Url(point.subarray(1, 33)), y: toBase64Url(point.subarray(33, 65)) };
  const signer = await crypto.subtle.importKey('jwk', { ...publicJwk, d: toBase64Url(d) }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return { publicJwk, signer };
}

/** RFC 8410 PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

function fromHex(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

async function ed25519Key(seed: Uint8Array<ArrayBuffer>): Promise<{ publicJwk: PublicJwk; signer: SubtleKey }> {
  const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(ed25519.getPublicKey(seed)) };
  const signer = await crypto.subtle.importKey('pkcs8', concat(ED25519_PKCS8_PREFIX, seed), { name: 'Ed25519' }, false, ['sign']);
  return { publicJwk, signer };
}

/** The key for a derivation path; deterministic, so the CLI and the browser derive the same keys. */
export async function deriveKey(secret: Uint8Array<ArrayBuffer>, role: Role, purpose: Purpose, context: string, alg: Alg): Promise<BrowserKey> {
  const info = derivationInfo(role, purpose, context, alg);
  const { publicJwk, signer } = alg === 'EdDSA' ? await ed25519Key(await hkdf(secret, info, 32)) : await p256Key(await hkdf(secret, info, 48));
  return { alg, publicJwk, keyId: await thumbprint(publicJwk), signer };
}

/** A signature as JWS and RFC 9421 want it: r‖s (64 bytes) for ES256, the raw 64 bytes for Ed25519. */
export async function signBytes(key: BrowserKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const algorithm = key.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
  return new Uint8Array(await crypto.subtle.sign(algorithm, key.signer, data));
}

export { fromBase64Url };
