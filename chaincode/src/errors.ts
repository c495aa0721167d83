/**
 * Expected rejections carry a stable code so that gateways can map them to 4xx
 * responses; anything else thrown by the chaincode is a bug (5xx).
 */
export const ErrorCodes = {
  // Statement envelope (JWS)
  STATEMENT_MALFORMED: 'not a JWS in compact serialization',
  STATEMENT_TOO_LARGE: 'statement longer than allowed',
  BASE64URL_INVALID: 'a JWS part is not canonical unpadded base64url',
  HEADER_INVALID: 'protected header missing, unknown or invalid members',
  ALGORITHM_UNSUPPORTED: 'alg is not ES256 or EdDSA',
  KEY_INVALID: 'header jwk is not a public P-256 or Ed25519 key matching alg',
  SIGNATURE_INVALID: 'signature does not verify with the header jwk',
  PAYLOAD_INVALID: 'payload is not a UTF-8 I-JSON object (RFC 7493: no number beyond a double, no lone surrogate; nesting ≤ 32)',
  FORBIDDEN_KEY: 'payload uses __proto__, constructor or prototype as a member name',
  PAYLOAD_NOT_CANONICAL: 'payload is not the RFC 8785 canonical form of its claims',
  // Claims
  STATEMENT_TYPE_MISMATCH: 'statement type is not the one this transaction takes',
  CLAIM_MISSING: 'a required claim is absent',
  CLAIM_UNKNOWN: 'a claim not defined for this statement type',
  CLAIM_INVALID: 'a claim has the wrong type or format',
  VALUE_TOO_LARGE: 'a claim value exceeds its size cap',
  AUDIENCE_MISMATCH: 'aud names another channel or chaincode',
  ISSUER_KEY_MISMATCH: 'iss is not the thumbprint of the signing key',
  ISSUED_AT_OUT_OF_WINDOW: 'iat too far from the transaction timestamp',
  STATEMENT_EXPIRED: 'exp is not after the transaction timestamp',
  STATEMENT_LIFETIME_INVALID: 'exp not after iat, or exp - iat above the maximum',
  STATEMENT_REPLAYED: 'this statement (canonical claims) already took effect',
  STATEMENT_SUPERSEDED: 'statement issued before a later revocation of the same grant',
  // Domain
  ARGUMENT_INVALID: 'a transaction argument has the wrong format',
  RELAY_NOT_AUTHORISED: 'the submitting organisation did not register this source',
  SIGNER_NOT_AUTHORISED: 'the signing key does not hold the role this statement needs',
  SOURCE_EXISTS: 'source key already defined',
  SOURCE_NOT_FOUND: 'no such source',
  SOURCE_INACTIVE: 'source has been deactivated',
  STUDY_EXISTS: 'study reference already defined for this source',
  STUDY_NOT_FOUND: 'no such study at this source',
  CONSENT_MISMATCH: 'embedded patient consent does not match the DefineStudy statement',
  GRANT_EXPIRY_INVALID: 'until not after the transaction timestamp, or beyond the maximum lease',
  GRANT_NOT_FOUND: 'no grant for this recipient',
  GRANT_NOT_ACTIVE: 'grant already revoked',
  REQUEST_NOT_FOUND: 'no pending access request from this recipient',
  ROTATION_INVALID: 'new patient key must differ from the current one and from the recovery key',
  // Break-glass (docs/protocol.md §11)
  BREAK_GLASS_PURPOSE_INVALID: 'a break-glass purpose must be ETREAT (emergency treatment)',
  BREAK_GLASS_LEASE_INVALID: 'break-glass until not after the transaction timestamp, or beyond the consortium maximum lease',
  BREAK_GLASS_FOREIGN_HOSPITAL: 'the submitting organisation is not the hospital the break-glass statement names',
  BREAK_GLASS_FORBIDDEN: "the study's patient has forbidden break-glass access",
  BREAK_GLASS_LIMIT_REACHED: "the hospital has used up this hour's break-glass leases",
  BREAK_GLASS_NOT_FOUND: 'no such break-glass lease of this recipient for this study',
  // Stake epochs
  ADMIN_REQUIRED: 'only an organisation admin identity (NodeOU admin) may record an epoch',
  EPOCH_INVALID: 'the epoch record is malformed or not internally consistent',
  EPOCH_STALE: 'the epoch sequence is not above the last recorded one',
  EPOCH_NOT_FOUND: 'no epoch recorded at this sequence',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** A rejection of bad input or of a request the ledger's rules forbid. */
export class LedgerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'LedgerError';
    this.code = code;
  }
}
