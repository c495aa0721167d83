import { type Claims, type StatementType } from './claims';
import { PublicJwk } from './keys';
/** What a statement is checked against: where it is submitted, and when. */
export interface VerifyOptions {
    readonly audience: string;
    /** The transaction timestamp, milliseconds since the epoch. */
    readonly nowMs: number;
    readonly maxLength?: number;
}
/** A statement whose signature, format, audience and times have been verified. */
export interface Statement<T extends StatementType> {
    readonly type: T;
    readonly claims: Claims<T>;
    /** Thumbprint of the signing key (equal to claims.iss). */
    readonly signer: string;
    readonly signerJwk: PublicJwk;
    /** SHA-256 (hex) of the payload, which is the canonical claims: the replay key. */
    readonly digest: string;
}
/**
 * Verifies a compact JWS statement of the expected type. The checks run in the
 * order of docs/protocol.md, "Verification", and the first failure is reported.
 */
export declare function verifyStatement<T extends StatementType>(jws: unknown, type: T, options: VerifyOptions): Promise<Statement<T>>;
/** Validates claims with the type's strict schema, mapping the first issue to a code. */
export declare function parseClaims<T extends StatementType>(value: Record<string, unknown>, type: T): Claims<T>;
