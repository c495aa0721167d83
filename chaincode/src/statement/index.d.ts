/**
 * The image-sharing ledger's public protocol, for clients (application, CLI, tests):
 * build and sign statements, compute key thumbprints. See docs/protocol.md.
 */
export { audienceFor, ClaimSchemas, DenyReason, Purpose, STATEMENT_TYPES, type Claims, type Fields, type StatementType } from './claims';
export { canonicalJson } from './canonical';
export { algorithmOf, publicJwk, thumbprint, type Algorithm, type PublicJwk } from './keys';
export { Limits, STATEMENT_MEDIA_TYPE } from './limits';
export { buildClaims, createStatement, generateStatementKey, newNonce, newStudyReference, signClaims, type StatementOptions } from './sign';
export { verifyStatement, type Statement, type VerifyOptions } from './verify';
export { ErrorCodes, LedgerError, type ErrorCode } from '../errors';
