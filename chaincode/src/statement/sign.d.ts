import { type JWK } from 'jose';
import type { Claims, Fields, StatementType } from './claims';
import { type Algorithm } from './keys';
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
export declare function signClaims(claims: object, privateJwk: JWK): Promise<string>;
/** Builds the claims of a statement of the given type, with iss set to the signer's thumbprint. */
export declare function buildClaims<T extends StatementType>(type: T, fields: Fields<T>, signer: JWK, options: StatementOptions): Promise<Claims<T>>;
/** Builds and signs a statement: the compact JWS to pass to the transaction. */
export declare function createStatement<T extends StatementType>(type: T, fields: Fields<T>, signer: JWK, options: StatementOptions): Promise<string>;
/** A fresh statement nonce: 16 random bytes, base64url (22 characters). */
export declare function newNonce(): string;
/**
 * A fresh study reference: 32 random bytes, base64url. The image source keeps the
 * mapping to the DICOM Study Instance UID; the ledger never sees the UID.
 */
export declare function newStudyReference(): string;
/** A new key pair as JWKs (private JWK includes the public members). */
export declare function generateStatementKey(alg: Algorithm): Promise<{
    privateJwk: JWK;
    publicJwk: JWK;
}>;
