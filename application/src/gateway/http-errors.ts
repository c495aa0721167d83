import type { ErrorCode } from '@isl/chaincode/dist/errors';
import { LedgerRejection, LedgerUnavailable, TransactionInvalid } from '../ledger/errors';

export interface HttpError {
  readonly status: number;
  readonly body: { readonly error: { readonly code: string; readonly message: string; readonly transactionId?: string } };
}

const statusOf = (code: ErrorCode): number => {
  if (code.endsWith('_NOT_FOUND')) {
    return 404;
  }
  if (code.endsWith('_EXISTS')) {
    return 409;
  }
  if (code === 'RELAY_NOT_AUTHORISED' || code === 'SIGNER_NOT_AUTHORISED') {
    return 403;
  }
  if (code === 'STATEMENT_TOO_LARGE') {
    return 413;
  }
  return 400;
};

/**
 * Expected failures to HTTP: the chaincode's rejection as 4xx with its own
 * message, an unreachable network as 503, an invalidated transaction as 409.
 * Anything else is a bug: undefined, so the server answers 500 and logs it.
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof LedgerRejection) {
    return { status: statusOf(err.code), body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof LedgerUnavailable) {
    return { status: 503, body: { error: { code: 'LEDGER_UNAVAILABLE', message: err.message } } };
  }
  if (err instanceof TransactionInvalid) {
    return { status: 409, body: { error: { code: err.validationCode, message: err.message, transactionId: err.transactionId } } };
  }
  return undefined;
}

/** The transaction a replayed statement originally took effect in, from the chaincode's message. */
export function originalTransaction(rejection: LedgerRejection): string | undefined {
  return /in transaction ([0-9a-f]{64})/.exec(rejection.message)?.[1];
}
