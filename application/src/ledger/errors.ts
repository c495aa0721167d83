import { type ErrorCode, ErrorCodes } from '@isl/chaincode';

/**
 * The ledger refused the request for a reason the caller can fix or must
 * accept (the chaincode's own code and message): a 4xx, never a 500.
 */
export class LedgerRejection extends Error {
  readonly code: ErrorCode;
  readonly transactionId: string | undefined;

  constructor(code: ErrorCode, message: string, transactionId?: string) {
    super(message);
    this.name = 'LedgerRejection';
    this.code = code;
    this.transactionId = transactionId;
  }
}

/** No peer or orderer could take the request within the retry budget: try again later (503). */
export class LedgerUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerUnavailable';
  }
}

/**
 * A transaction reached ordering (or may have) but its commit status could not
 * be learned: it may yet commit. Not a failure: the caller sends the same
 * statement again, which applies it or answers that it already applied
 * (statements are applied at most once).
 */
export class OutcomeUnknown extends Error {
  readonly transactionId: string;

  constructor(transactionId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutcomeUnknown';
    this.transactionId = transactionId;
  }
}

/** A transaction was endorsed and ordered but the peers invalidated it (e.g. endorsement policy). */
export class TransactionInvalid extends Error {
  readonly transactionId: string;
  readonly validationCode: string;

  constructor(transactionId: string, validationCode: string) {
    super(`transaction ${transactionId} was invalidated by the peers: ${validationCode}`);
    this.name = 'TransactionInvalid';
    this.transactionId = transactionId;
    this.validationCode = validationCode;
  }
}

const codePattern = new RegExp(`\\b(${Object.keys(ErrorCodes).join('|')}): ([^\\n]*)`);

/** Finds the chaincode's "CODE: detail" in an error message or its gateway details. */
export function findRejection(messages: readonly string[]): { code: ErrorCode; message: string } | undefined {
  for (const m of messages) {
    const match = codePattern.exec(m);
    if (match?.[1] !== undefined) {
      return { code: match[1] as ErrorCode, message: `${match[1]}: ${(match[2] ?? '').trim()}` };
    }
  }
  return undefined;
}
