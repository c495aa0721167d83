import { type JWK } from 'jose';
import { z } from 'zod';
export type Algorithm = 'ES256' | 'EdDSA';
export declare const ALGORITHMS: readonly Algorithm[];
/** True when s is unpadded base64url that decodes to exactly `bytes` bytes and re-encodes to itself. */
export declare function isBase64UrlOfLength(s: string, bytes: number): boolean;
/** Public keys only: a JWK with `d` or any other extra member is refused (strict). */
export declare const Es256PublicJwk: z.ZodObject<{
    kty: z.ZodLiteral<"EC">;
    crv: z.ZodLiteral<"P-256">;
    x: z.ZodString;
    y: z.ZodString;
}, z.core.$strict>;
export declare const Ed25519PublicJwk: z.ZodObject<{
    kty: z.ZodLiteral<"OKP">;
    crv: z.ZodLiteral<"Ed25519">;
    x: z.ZodString;
}, z.core.$strict>;
export declare const PublicJwk: z.ZodUnion<readonly [z.ZodObject<{
    kty: z.ZodLiteral<"EC">;
    crv: z.ZodLiteral<"P-256">;
    x: z.ZodString;
    y: z.ZodString;
}, z.core.$strict>, z.ZodObject<{
    kty: z.ZodLiteral<"OKP">;
    crv: z.ZodLiteral<"Ed25519">;
    x: z.ZodString;
}, z.core.$strict>]>;
export type PublicJwk = z.infer<typeof PublicJwk>;
export declare function algorithmOf(jwk: Pick<JWK, 'kty' | 'crv'>): Algorithm | undefined;
/** The public members of a (possibly private) JWK, in the shape PublicJwk accepts. */
export declare function publicJwk(jwk: JWK): PublicJwk;
/** A key's identifier on the ledger: its RFC 7638 SHA-256 JWK thumbprint (43 base64url characters). */
export declare function thumbprint(jwk: JWK): Promise<string>;
