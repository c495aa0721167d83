/**
 * The chaincode package's face: the ledger's public protocol for clients (build, sign
 * and verify statements; key thumbprints; limits; coded errors). Other packages import
 * only this (`@isl/chaincode`) and `@isl/chaincode/testing`, never files under dist/.
 */
export {
  audienceFor,
  buildClaims,
  canonicalJson,
  createStatement,
  DenyReason,
  ErrorCodes,
  generateStatementKey,
  LedgerError,
  Limits,
  newNonce,
  newStudyReference,
  Purpose,
  signClaims,
  thumbprint,
  verifyStatement,
  type ErrorCode,
  type Fields,
  type StatementType,
} from './statement';
// The schema as well as the type: the image source validates recipients' keys with it.
export { PublicJwk } from './statement/keys';
// A ledger id (source, study reference, key id): the image source refuses any other spelling before asking the peer.
export { Id32 } from './statement/claims';
// What the ledger records of a release: the gateway's FHIR AuditEvent view reads it.
export type { DisclosureRecord } from './disclosure/disclosure';
// The grant decision itself: the image source's local grant view mirrors the records it reads and runs it.
export { checkAccess, type AccessDecision, type DenialReason, type StateReader } from './grant/check';
