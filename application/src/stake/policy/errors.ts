/**
 * Typed errors of the stake policy plugin. Callers branch on `code`, never on the message.
 */

import { CodedError } from '@isl/platform';

export type PolicyCompileErrorCode =
  | 'INVALID_MSP_ID'
  | 'INVALID_STAKE'
  | 'INVALID_FLOOR'
  | 'INVALID_THRESHOLD'
  | 'INVALID_ROLE'
  | 'INVALID_LIMIT'
  | 'NO_ORGANISATIONS'
  | 'ZERO_TOTAL_STAKE'
  | 'STAKE_OVERFLOW'
  | 'UNSATISFIABLE'
  | 'POLICY_TOO_LARGE';

export class PolicyCompileError extends CodedError<PolicyCompileErrorCode> {}

export type PolicyParseErrorCode =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'TOO_MANY_PRINCIPALS'
  | 'TOO_DEEP'
  | 'UNEXPECTED_CHARACTER'
  | 'UNEXPECTED_TOKEN'
  | 'UNKNOWN_GATE'
  | 'INVALID_PRINCIPAL'
  | 'INVALID_OUT_OF_COUNT'
  | 'MISSING_ARGUMENT'
  | 'UNTERMINATED_STRING'
  | 'TRAILING_INPUT';

export class PolicyParseError extends CodedError<PolicyParseErrorCode> {
  /** Zero-based character offset in the policy string where the problem was found. */
  readonly position: number;

  constructor(code: PolicyParseErrorCode, message: string, position: number) {
    super(code, `${message} (at offset ${String(position)})`);
    this.position = position;
  }
}

export type EpochRecordErrorCode = 'INVALID_RECORD' | 'POLICY_MISMATCH';

export class EpochRecordError extends CodedError<EpochRecordErrorCode> {}
