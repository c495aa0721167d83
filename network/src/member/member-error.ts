import { CodedError } from '@isl/platform';

/** Codes of the refusals a member's commands give; callers tell them apart by code, never by message. */
export type MemberErrorCode =
  | 'MEMBER_CONFIG_INVALID'
  | 'MEMBER_HOME_TAKEN'
  | 'MEMBER_NOT_INITIALISED'
  | 'BUNDLE_TOO_LARGE'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_PRIVATE_KEY'
  | 'BUNDLE_OWN_MSP'
  | 'BUNDLE_CONFLICT'
  | 'CHARTER_INVALID'
  | 'FOUNDER_BUNDLE_MISSING'
  | 'GENESIS_UNREADABLE'
  | 'GENESIS_MISMATCH'
  | 'CHARTER_MISSING'
  | 'BUNDLE_MISSING'
  | 'CHAINCODE_NOT_APPROVED'
  | 'MEMBER_ALREADY_IN_CHANNEL'
  | 'MEMBER_NOT_IN_CHANNEL'
  | 'UPDATE_INVALID'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_NOT_ADMIN'
  | 'UPDATE_REFUSED'
  | 'CONSENTERS_TOO_FEW'
  | 'MEMBER_STILL_CONSENTER'
  | 'EPOCH_INVALID'
  | 'EPOCH_STALE'
  | 'EPOCH_FLAGGED'
  | 'IDENTITY_UNKNOWN'
  | 'CRL_INVALID';

/** A refusal of bad input or of a step out of order: it names what is wrong and the command changed nothing. */
export class MemberError extends CodedError<MemberErrorCode> {}
