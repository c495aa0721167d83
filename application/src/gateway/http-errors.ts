import type { ErrorCode } from '@isl/chaincode/dist/errors';
import { UploadError, type UploadErrorCode } from '../publishing/dicom-upload';
import { ImageSourceUnavailable } from '../publishing/local-publisher';
import { PublishError, type PublishErrorCode } from '../publishing/publisher';
import { LedgerRejection, LedgerUnavailable, TransactionInvalid } from '../ledger/errors';
import { OrthancError } from '../pacs/orthanc-client';

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

const publishStatus: Record<PublishErrorCode, number> = {
  NO_DICOM_FILES: 400,
  NOT_DICOM: 400,
  SEVERAL_STUDIES: 400,
  ALREADY_PUBLISHED: 409,
  PUBLICATION_NOT_FOUND: 404,
  CONSENT_INVALID: 400,
  CONSENT_MISMATCH: 400,
};

const uploadStatus: Record<UploadErrorCode, number> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  MALFORMED_MULTIPART: 400,
  PART_NOT_DICOM: 415,
  UPLOAD_TOO_LARGE: 413,
  TOO_MANY_INSTANCES: 413,
  UPLOAD_EMPTY: 400,
  DICOM_TOO_COMPLEX: 400,
};

/**
 * Expected failures to HTTP: the chaincode's rejection as 4xx with its own
 * message, an unreachable network as 503, an invalidated transaction as 409.
 * Publishing: the refused input as 4xx, an image source or PACS that is not
 * there as 503. Anything else is a bug: undefined, so the server answers 500
 * and logs it.
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof PublishError) {
    return { status: publishStatus[err.code], body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof UploadError) {
    return { status: uploadStatus[err.code], body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof ImageSourceUnavailable) {
    return { status: 503, body: { error: { code: 'IMAGE_SOURCE_UNAVAILABLE', message: err.message } } };
  }
  if (err instanceof OrthancError) {
    // Orthanc refusing a file the DICOM reader accepted is the file's fault; anything else is the PACS's.
    return err.status !== undefined && err.status >= 400 && err.status < 500
      ? { status: 400, body: { error: { code: 'PACS_REJECTED', message: err.message } } }
      : { status: 503, body: { error: { code: 'PACS_UNAVAILABLE', message: err.message } } };
  }
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
