/**
 * Expected rejections carry a stable code so that gateways can map them to 4xx
 * responses; anything else thrown by the chaincode is a bug (5xx).
 */
export declare const ErrorCodes: {
    readonly STATEMENT_MALFORMED: "not a JWS in compact serialization";
    readonly STATEMENT_TOO_LARGE: "statement longer than allowed";
    readonly BASE64URL_INVALID: "a JWS part is not canonical unpadded base64url";
    readonly HEADER_INVALID: "protected header missing, unknown or invalid members";
    readonly ALGORITHM_UNSUPPORTED: "alg is not ES256 or EdDSA";
    readonly KEY_INVALID: "header jwk is not a public P-256 or Ed25519 key matching alg";
    readonly SIGNATURE_INVALID: "signature does not verify with the header jwk";
    readonly PAYLOAD_INVALID: "payload is not UTF-8 JSON object";
    readonly FORBIDDEN_KEY: "payload uses __proto__, constructor or prototype as a member name";
    readonly PAYLOAD_NOT_CANONICAL: "payload is not the RFC 8785 canonical form of its claims";
    readonly STATEMENT_TYPE_MISMATCH: "statement type is not the one this transaction takes";
    readonly CLAIM_MISSING: "a required claim is absent";
    readonly CLAIM_UNKNOWN: "a claim not defined for this statement type";
    readonly CLAIM_INVALID: "a claim has the wrong type or format";
    readonly VALUE_TOO_LARGE: "a claim value exceeds its size cap";
    readonly AUDIENCE_MISMATCH: "aud names another channel or chaincode";
    readonly ISSUER_KEY_MISMATCH: "iss is not the thumbprint of the signing key";
    readonly ISSUED_AT_OUT_OF_WINDOW: "iat too far from the transaction timestamp";
    readonly STATEMENT_EXPIRED: "exp is not after the transaction timestamp";
    readonly STATEMENT_LIFETIME_INVALID: "exp not after iat, or exp - iat above the maximum";
    readonly STATEMENT_REPLAYED: "this statement (canonical claims) already took effect";
    readonly STATEMENT_SUPERSEDED: "statement issued before a later revocation of the same grant";
    readonly ARGUMENT_INVALID: "a transaction argument has the wrong format";
    readonly RELAY_NOT_AUTHORISED: "the submitting organisation did not register this source";
    readonly SIGNER_NOT_AUTHORISED: "the signing key does not hold the role this statement needs";
    readonly SOURCE_EXISTS: "source key already defined";
    readonly SOURCE_NOT_FOUND: "no such source";
    readonly SOURCE_INACTIVE: "source has been deactivated";
    readonly STUDY_EXISTS: "study reference already defined for this source";
    readonly STUDY_NOT_FOUND: "no such study at this source";
    readonly CONSENT_MISMATCH: "embedded patient consent does not match the DefineStudy statement";
    readonly GRANT_EXPIRY_INVALID: "until not after the transaction timestamp, or beyond the maximum lease";
    readonly GRANT_NOT_FOUND: "no grant for this recipient";
    readonly GRANT_NOT_ACTIVE: "grant already revoked";
    readonly REQUEST_NOT_FOUND: "no pending access request from this recipient";
    readonly ROTATION_INVALID: "new patient key must differ from the current one and from the recovery key";
};
export type ErrorCode = keyof typeof ErrorCodes;
/** A rejection of bad input or of a request the ledger's rules forbid. */
export declare class LedgerError extends Error {
    readonly code: ErrorCode;
    constructor(code: ErrorCode, detail: string);
}
export declare function isLedgerError(err: unknown): err is LedgerError;
