import { GatewayError } from '@hyperledger/fabric-gateway';
import { UploadError } from '../publishing/dicom-upload';
import { ImageSourceUnavailable } from '../publishing/local-publisher';
import { PublishError } from '../publishing/publisher';
import { findRejection, LedgerRejection, LedgerUnavailable, OutcomeUnknown, TransactionInvalid } from '../ledger/errors';
import { OrthancError } from '../pacs/orthanc-client';
import { HttpProblem, problem, PublishCodes, UploadCodes, type ProblemBody, type ProblemCode } from './problem';

export interface HttpError {
  readonly status: number;
  readonly body: ProblemBody;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the error handler knows of the route, to name framework errors in the protocol's terms. */
export interface ErrorContext {
  /** The code of an oversized body on this route (e.g. STATEMENT_TOO_LARGE for statement relays). */
  readonly oversized?: ProblemCode;
}

interface Validation {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message: string;
  readonly validation?: readonly Validation[];
  readonly validationContext?: string;
}

/** Body fields that carry a statement: over their maxLength is STATEMENT_TOO_LARGE, as the chaincode says it. */
const statementFields = new Set(['/statement', '/consent']);

/** Retry-After (seconds) of the ledger's 503 and 504 answers (docs/protocol.md §10). */
export const retryAfter = {
  unavailable: { 'retry-after': '5' },
  outcomeUnknown: { 'retry-after': '2' },
} as const;

const of = (body: ProblemBody, headers?: Readonly<Record<string, string>>): HttpError => ({ status: body.status, body, ...(headers ? { headers } : {}) });

/**
 * Every failure to an RFC 9457 problem with a protocol code: the chaincode's
 * rejection as 4xx with its own message, an unreachable network as 503, an
 * invalidated transaction as 409; refused publications as 4xx, a missing
 * image source or PACS as 503; Fastify's own errors (validation, body limits,
 * media types, bad URLs, rate limits) in the protocol's codes, so no FST_*
 * code reaches a client. Undefined: a bug (the server answers 500 INTERNAL
 * and logs it).
 */
export function toHttpError(err: unknown, context: ErrorContext = {}): HttpError | undefined {
  if (err instanceof HttpProblem) return of(err.body, err.headers);
  if (err instanceof PublishError) return of(problem(err.code, err.message, {}, PublishCodes[err.code][0]));
  if (err instanceof UploadError) return of(problem(err.code, err.message, {}, UploadCodes[err.code][0]));
  if (err instanceof ImageSourceUnavailable) return of(problem('IMAGE_SOURCE_UNAVAILABLE', err.message));
  if (err instanceof OrthancError) {
    // Orthanc refusing a file the DICOM reader accepted is the file's fault; anything else is the PACS's.
    return err.status !== undefined && err.status >= 400 && err.status < 500
      ? of(problem('PACS_REJECTED', err.message))
      : of(problem('PACS_UNAVAILABLE', err.message));
  }
  if (err instanceof LedgerRejection) return of(problem(err.code, err.message, err.transactionId === undefined ? {} : { transactionId: err.transactionId }));
  // Both say when to try again: the ledger's outage is usually an election (seconds); an unknown outcome settles within one.
  if (err instanceof LedgerUnavailable) return of(problem('LEDGER_UNAVAILABLE', err.message), retryAfter.unavailable);
  if (err instanceof OutcomeUnknown) return of(problem('OUTCOME_UNKNOWN', err.message, { transactionId: err.transactionId }), retryAfter.outcomeUnknown);
  // A query made on the network directly (the audit's block reads) that the peer did not answer.
  if (err instanceof GatewayError) {
    const rejected = findRejection([err.message, ...err.details.map((d) => d.message)]);
    return rejected
      ? of(problem(rejected.code, rejected.message))
      : of(problem('LEDGER_UNAVAILABLE', `the peer did not answer: ${err.message}`), retryAfter.unavailable);
  }
  if (err instanceof TransactionInvalid) {
    return of(problem('TRANSACTION_INVALID', err.message, { transactionId: err.transactionId, validationCode: err.validationCode }));
  }
  return frameworkError(err, context);
}

function frameworkError(err: unknown, context: ErrorContext): HttpError | undefined {
  if (typeof err !== 'object' || err === null || !('message' in err)) return undefined;
  const e = err as FrameworkError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (e.validation !== undefined) {
    return validationError(e.validation[0], e.validationContext, context);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return of(problem(context.oversized ?? 'BODY_TOO_LARGE', 'the request body is larger than this resource takes'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return of(problem('UNSUPPORTED_MEDIA_TYPE', 'the body is not of a media type this resource takes (application/json for statements)', {}, 415));
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return of(problem('ARGUMENT_INVALID', 'the path is not a valid URL component (malformed percent-encoding, or a parameter too long)'));
  }
  if (status !== undefined && status >= 400 && status < 500) {
    // Invalid JSON, an empty JSON body, a wrong Content-Length and the like.
    return of(
      problem(
        'REQUEST_INVALID',
        typeof e.code === 'string' && e.code.startsWith('FST_') ? requestInvalidDetail(e.code) : e.message,
        {},
        status === 413 ? 413 : 400,
      ),
    );
  }
  return undefined;
}

/** A schema refusal: an over-long statement field is the route's own code; otherwise an invalid argument or request. */
function validationError(first: Validation | undefined, validationContext: string | undefined, context: ErrorContext): HttpError {
  if (context.oversized !== undefined && first?.keyword === 'maxLength' && statementFields.has(first.instancePath ?? '')) {
    return of(problem(context.oversized, `${first.instancePath?.slice(1) ?? 'statement'} ${first.message ?? 'is too long'}`));
  }
  // Path ids and query arguments are transaction arguments; a malformed body is not JSON of the documented shape.
  const where = validationContext ?? 'request';
  return of(problem(where === 'body' ? 'REQUEST_INVALID' : 'ARGUMENT_INVALID', `${where}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`));
}

function requestInvalidDetail(code: string): string {
  switch (code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the JSON body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the body is not valid JSON';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body';
    default:
      return 'the request is malformed';
  }
}

/** The transaction a replayed statement originally took effect in, from the chaincode's message. */
export function originalTransaction(rejection: LedgerRejection): string | undefined {
  return /in transaction ([0-9a-f]{64})/.exec(rejection.message)?.[1];
}
