/**
 * What a client was told about one relayed statement, in the harness's terms.
 *
 * - `acknowledged`: 2xx, the statement took effect (now or already);
 * - `retry-later`: 503 with a Retry-After hint and a protocol code (nothing reached ordering);
 * - `outcome-unknown`: 504 OUTCOME_UNKNOWN naming the transaction (send it again);
 * - `refused`: another 4xx with a protocol code;
 * - `not-delivered`: the connection was refused or the host unreachable before the request was sent;
 * - `timeout`: no answer within the client's deadline (at least the gateway's stated timeout);
 * - `cut-off`: the connection dropped after the request was sent (e.g. the gateway's host lost power);
 * - `unclear`: anything else (5xx without a code or hint, a 2xx without a transaction…): a defect.
 */
export type AnswerKind = 'acknowledged' | 'retry-later' | 'outcome-unknown' | 'refused' | 'not-delivered' | 'timeout' | 'cut-off' | 'unclear';

/** The kinds that claim the statement did not take effect: if the ledger has it anyway, the client was told wrongly. */
export const claimsNotApplied: ReadonlySet<AnswerKind> = new Set(['retry-later', 'refused', 'not-delivered']);

export interface HttpAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** The parsed JSON body, when there was one. */
  readonly body: unknown;
}

export interface Answer {
  readonly kind: AnswerKind;
  readonly status?: number;
  readonly code?: string;
  readonly transactionId?: string;
  readonly alreadyApplied?: boolean;
  /** For transport failures, the error's code (ECONNREFUSED…). */
  readonly error?: string;
  /** The problem's detail (shortened), for the report. */
  readonly detail?: string;
}

const field = (body: unknown, name: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** Classifies an HTTP answer to `POST /api/v1/statements` (docs/protocol.md §10). */
export function classifyHttpAnswer(a: HttpAnswer): Answer {
  const code = text(field(a.body, 'code'));
  const transactionId = text(field(a.body, 'transactionId'));
  const detail = text(field(a.body, 'detail'))?.slice(0, 300);
  const base = {
    status: a.status,
    ...(code === undefined ? {} : { code }),
    ...(transactionId === undefined ? {} : { transactionId }),
    ...(detail === undefined || a.status < 300 ? {} : { detail }),
  };
  if (a.status === 200 || a.status === 201) {
    const alreadyApplied = field(a.body, 'alreadyApplied') === true;
    return transactionId === undefined ? { kind: 'unclear', ...base } : { kind: 'acknowledged', ...base, alreadyApplied };
  }
  if (a.status === 503 && code !== undefined && a.retryAfter !== undefined && /^\d+$/.test(a.retryAfter)) {
    return { kind: 'retry-later', ...base };
  }
  if (a.status === 504 && code === 'OUTCOME_UNKNOWN' && transactionId !== undefined) {
    return { kind: 'outcome-unknown', ...base };
  }
  if (a.status >= 400 && a.status < 500 && code !== undefined) {
    return { kind: 'refused', ...base };
  }
  return { kind: 'unclear', ...base };
}

/** Transport errors that prove the request never reached the gateway. */
const undelivered = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Classifies a request that got no HTTP answer. `timedOut`: the client's own deadline passed. */
export function classifyTransportFailure(errorCode: string | undefined, timedOut: boolean): Answer {
  if (timedOut) return { kind: 'timeout', error: 'deadline' };
  // The kernel gave up retransmitting to a host that stopped answering: a timeout, not the client's own.
  if (errorCode === 'ETIMEDOUT') return { kind: 'timeout', error: errorCode };
  if (errorCode !== undefined && undelivered.has(errorCode)) return { kind: 'not-delivered', error: errorCode };
  return { kind: 'cut-off', error: errorCode ?? 'closed' };
}
