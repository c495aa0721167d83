import { type ErrorCode, ErrorCodes } from '@isl/chaincode';
import type { UploadErrorCode } from '../publishing/dicom-upload';
import type { PublishErrorCode } from '../publishing/publisher';
import { CodedError } from '@isl/platform';

/** RFC 9457 problem details: the body of every error answer of the gateway. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The codes only the gateway answers (the chaincode's are in ErrorCodes). */
export const GatewayCodes = {
  UNAUTHENTICATED: [401, 'a valid bearer token of this gateway is required'],
  MEMBER_REQUIRED: [403, "this needs a token issued to the organisation's own systems (a member token)"],
  AUDITOR_REQUIRED: [403, 'this needs a token issued to an auditor'],
  NOT_FOUND: [404, 'no such resource'],
  REQUEST_INVALID: [400, 'the request is not well-formed HTTP, or its body is not the JSON this resource takes'],
  BODY_TOO_LARGE: [413, 'the request body is larger than this resource takes'],
  REQUEST_TIMEOUT: [408, 'the request (headers or body) did not arrive in time'],
  HEADERS_TOO_LARGE: [431, 'the request headers are too large'],
  STATEMENT_TYPE_UNKNOWN: [400, 'the statement payload has no known type claim'],
  RATE_LIMITED: [429, 'too many anonymous relays from this client; retry after Retry-After'],
  TOO_MANY_CONNECTIONS: [429, 'this client has too many connections open to the gateway'],
  OVERLOADED: [503, 'the gateway has its limit of requests of this kind in progress; retry after Retry-After'],
  LEDGER_UNAVAILABLE: [
    503,
    "the gateway's peer or the orderers did not answer, or ordering has no quorum, and nothing reached ordering; retry after Retry-After (5 s)",
  ],
  SHUTTING_DOWN: [503, 'this gateway is shutting down; send the request again after Retry-After, here or at another gateway'],
  OUTCOME_UNKNOWN: [
    504,
    'the statement reached ordering, or may have, but its outcome is not known (transactionId); send the same statement again after Retry-After (2 s): it is applied at most once',
  ],
  BLOCK_NOT_REACHED: [504, "the gateway's peer has not committed the block asked for (minBlock) in time; retry"],
  TRANSACTION_INVALID: [409, 'the transaction was ordered but the peers invalidated it (validationCode); nothing changed'],
  IMAGE_SOURCE_UNAVAILABLE: [503, "the organisation's image source is not set up or does not answer"],
  PACS_REJECTED: [400, 'the PACS refused a DICOM file of the upload'],
  PACS_UNAVAILABLE: [503, 'the PACS did not answer'],
  INTERNAL: [500, 'a gateway bug (logged); nothing was acknowledged'],
} as const satisfies Record<string, readonly [number, string]>;

export type GatewayCode = keyof typeof GatewayCodes;

export const PublishCodes = {
  NO_DICOM_FILES: [400, 'the upload holds no DICOM instance'],
  NOT_DICOM: [400, 'a file of the upload is not DICOM'],
  SEVERAL_STUDIES: [400, 'the instances belong to more than one study'],
  ALREADY_PUBLISHED: [409, 'this study is already published (on the ledger)'],
  PUBLICATION_NOT_FOUND: [404, 'no study staged here under this reference'],
  CONSENT_INVALID: [400, 'the consent is not a valid PatientConsent statement'],
  CONSENT_MISMATCH: [400, 'the consent names another source, study or audience'],
} as const satisfies Record<PublishErrorCode, readonly [number, string]>;

export const UploadCodes = {
  UNSUPPORTED_MEDIA_TYPE: [415, 'the body is not of a media type this resource takes'],
  MALFORMED_MULTIPART: [400, 'the multipart body is malformed'],
  PART_NOT_DICOM: [415, 'a part of the multipart body is not application/dicom'],
  UPLOAD_TOO_LARGE: [413, 'the upload is larger than this gateway takes'],
  TOO_MANY_INSTANCES: [413, 'the upload holds more instances than this gateway takes'],
  UPLOAD_EMPTY: [400, 'the upload is empty'],
  DICOM_TOO_COMPLEX: [400, 'an instance has more elements, nesting or compressed data than this gateway reads'],
} as const satisfies Record<UploadErrorCode, readonly [number, string]>;

/** HTTP status of a chaincode rejection. */
function ledgerStatus(code: ErrorCode): number {
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_EXISTS')) return 409;
  if (code === 'RELAY_NOT_AUTHORISED' || code === 'SIGNER_NOT_AUTHORISED' || code === 'ADMIN_REQUIRED') return 403;
  if (code === 'STATEMENT_TOO_LARGE') return 413;
  return 400;
}

/** Every code an error answer can carry, with its status and title (docs/protocol.md §10 lists the same). */
export const problemCatalogue: ReadonlyMap<string, { readonly status: number; readonly title: string }> = new Map([
  ...Object.entries(ErrorCodes).map(([code, title]) => [code, { status: ledgerStatus(code as ErrorCode), title }] as const),
  ...[GatewayCodes, PublishCodes, UploadCodes].flatMap((table: Readonly<Record<string, readonly [number, string]>>) =>
    Object.entries(table).map(([code, [status, title]]) => [code, { status, title }] as const),
  ),
]);

export type ProblemCode = ErrorCode | GatewayCode | PublishErrorCode | UploadErrorCode;

export interface ProblemBody {
  /** A URI naming the problem type: `urn:isl:problem:<code>` (not dereferenceable; key on `code`). */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The protocol's stable code. */
  readonly code: string;
  /** The transaction concerned, when there is one (e.g. an invalidated transaction). */
  readonly transactionId?: string;
  readonly validationCode?: string;
  /** For BLOCK_NOT_REACHED: the block asked for. */
  readonly block?: string;
}

const problemTypeOf = (code: string): string => `urn:isl:problem:${code}`;

/** The problem details of `code`, with its catalogued status and title. */
export function problem(
  code: ProblemCode,
  detail: string,
  extra: Partial<Pick<ProblemBody, 'transactionId' | 'validationCode' | 'block'>> = {},
  status?: number,
): ProblemBody {
  const known = problemCatalogue.get(code);
  return { type: problemTypeOf(code), title: known?.title ?? code, status: status ?? known?.status ?? 500, detail, code, ...extra };
}

/** An error a route or hook throws to answer with a problem (the server's error handler sends it). */
export class HttpProblem extends CodedError<ProblemCode> {
  readonly body: ProblemBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(body: ProblemBody, headers: Readonly<Record<string, string>> = {}) {
    super(body.code as ProblemCode, body.detail);
    this.body = body;
    this.headers = headers;
  }
}

/** The JSON Schema of a problem body, for the OpenAPI document. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:isl:problem:<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'The stable protocol code (docs/protocol.md §5 and §10)' },
    transactionId: { type: 'string' },
    validationCode: { type: 'string' },
    block: { type: 'string' },
  },
} as const;
