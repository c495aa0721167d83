import { calculateJwkThumbprint, type JWK } from 'jose';
import { z } from 'zod';

export type Algorithm = 'ES256' | 'EdDSA';
export const ALGORITHMS: readonly Algorithm[] = ['ES256', 'EdDSA'];

/**
 * True when s is unpadded base64url that decodes to exactly `bytes` bytes and re-encodes to itself.
 * Node's native codec: every identifier of every call passes here (a profile showed jose's
 * JavaScript codec at 4 % of a CheckAccess).
 */
export function isBase64UrlOfLength(s: string, bytes: number): boolean {
  if (s.length !== Math.ceil((bytes * 4) / 3) || !/^[A-Za-z0-9_-]*$/.test(s)) {
    return false;
  }
  const decoded = Buffer.from(s, 'base64url');
  return decoded.length === bytes && decoded.toString('base64url') === s;
}

const coordinate = (bytes: number) =>
  z
    .string()
    .max(64)
    .refine((s) => isBase64UrlOfLength(s, bytes), `must be base64url of ${bytes} bytes`);

/** Public keys only: a JWK with `d` or any other extra member is refused (strict). */
export const Es256PublicJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: coordinate(32),
  y: coordinate(32),
});
export const Ed25519PublicJwk = z.strictObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: coordinate(32),
});
export const PublicJwk = z.union([Es256PublicJwk, Ed25519PublicJwk]);
export type PublicJwk = z.infer<typeof PublicJwk>;

export function algorithmOf(jwk: Pick<JWK, 'kty' | 'crv'>): Algorithm | undefined {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return 'ES256';
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return 'EdDSA';
  }
  return undefined;
}

/** The public members of a (possibly private) JWK, in the shape PublicJwk accepts. */
export function publicJwk(jwk: JWK): PublicJwk {
  return PublicJwk.parse(jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x });
}

/** A key's identifier on the ledger: its RFC 7638 SHA-256 JWK thumbprint (43 base64url characters). */
export async function thumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicJwk(jwk), 'sha256');
}
