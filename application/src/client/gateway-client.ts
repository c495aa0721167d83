import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { MultipartWriter } from '../wire/multipart-writer';
import { Slots } from '@isl/platform';

/** An RFC 9457 problem, as the gateway answers every error (docs/protocol.md §10). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
  readonly transactionId?: string;
  readonly [member: string]: unknown;
}

/** An error answer of the gateway application, with its protocol code. */
export class GatewayHttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** The gateway's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** The problem details as answered (empty when the answer was not one). */
  readonly problem: Problem;
  constructor(status: number, code: string, message: string, retryAfterMs?: number, problem: Problem = {}) {
    super(`${code}: ${message.replace(new RegExp(`^${code}: `), '')} (HTTP ${String(status)})`);
    this.name = 'GatewayHttpError';
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.problem = problem;
  }
}

export interface WriteResult {
  /** The transaction the statement took effect in; for a replay (alreadyApplied), the original one. */
  readonly transactionId: string;
  /** Its block: reads with ?minBlock= at any gateway see the write. */
  readonly blockNumber?: string;
  /** The statement had already taken effect; nothing was applied again (its effect may have changed since). */
  readonly alreadyApplied: boolean;
  readonly detail?: string;
  readonly record?: unknown;
}

/** A study staged for publishing, waiting for the patient's consent. */
/** The answer to a batch (docs/protocol.md §10.2): each statement's answer as if relayed alone. */
export interface BatchWriteResult {
  readonly transactionId: string;
  readonly blockNumber: string;
  readonly results: readonly { readonly index: number; readonly status: number; readonly body: WriteResult | Problem }[];
}

export interface StagedPublication {
  readonly reference: string;
  readonly source: string;
  readonly state: 'awaiting-consent';
  readonly instances: number;
  readonly stored: number;
  readonly consentRequest: { readonly type: 'PatientConsent'; readonly source: string; readonly study: string; readonly aud: string };
}

export interface DefinedPublication {
  readonly reference: string;
  readonly source: string;
  readonly patientKey: string;
  readonly state: 'defined';
  readonly transactionId?: string;
  readonly blockNumber?: string;
  readonly alreadyApplied: boolean;
}

/** A request body, made afresh for each attempt (a stream cannot be sent twice). */
interface Body {
  readonly contentType: string;
  readonly make: () => string | ReadableStream<Uint8Array>;
}

export interface GatewayClientOptions {
  readonly baseUrl: string;
  /** Bearer token; statement relays work without one. */
  readonly token?: string;
  readonly timeoutMs?: number;
  /**
   * How often a request the gateway turned away as OVERLOADED (503, never
   * processed, so safe to repeat) is sent again after its Retry-After
   * (at most 10 s each). Default 3; 0 for load generators, which must see it.
   */
  readonly overloadRetries?: number;
  /** How often a relay answered OUTCOME_UNKNOWN is sent again (1 s, 2 s, 4 s apart). Default 3; 0 for load generators. */
  readonly outcomeRetries?: number;
  /**
   * Reads pass ?minBlock= so they see this block and every write this client
   * made since (read your writes, also across gateways); default none.
   */
  readonly minBlock?: bigint;
  /**
   * Requests in flight at once; more wait in this client. Default 32: below the gateway's limit of
   * connections per client address (64 by default; beyond it, 429 TOO_MANY_CONNECTIONS), so one
   * busy client queues instead of being refused. Each request in flight holds one connection.
   */
  readonly maxConcurrent?: number;
}

const MAX_RETRY_AFTER_MS = 10_000;

/** The gateway application's REST API (the isl CLI and member systems use it). */
export class GatewayClient {
  readonly #o: GatewayClientOptions;
  /** The highest block this client's reads must see: its writes' and `minBlock`. */
  #minBlock: bigint | undefined;
  readonly #slots: Slots;

  constructor(options: GatewayClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.#minBlock = options.minBlock;
    this.#slots = new Slots(options.maxConcurrent ?? 32);
  }

  /** The block this client's reads wait for (the latest of its writes), if any. */
  get minBlock(): bigint | undefined {
    return this.#minBlock;
  }

  /**
   * Relays a signed statement; the gateway picks the transaction from its type.
   * An answer of OUTCOME_UNKNOWN (the statement reached ordering, its fate not
   * known) is followed by the same statement again, which the ledger applies at
   * most once: the answer is then "applied" or "already applied".
   */
  relay(statement: string): Promise<WriteResult> {
    return this.#write<WriteResult>('/api/v1/statements', json({ statement }));
  }

  /** Relays 1 to 50 statements in one transaction (member token); an unknown outcome is retried like relay's: resending is safe. */
  relayBatch(statements: readonly string[]): Promise<BatchWriteResult> {
    return this.#write<BatchWriteResult>('/api/v1/statements/batch', json({ statements }));
  }

  /** POSTs a write, sending it again after OUTCOME_UNKNOWN (statements apply at most once). */
  async #write<T extends { readonly blockNumber?: string }>(path: string, body: ReturnType<typeof json>): Promise<T> {
    const retries = this.#o.outcomeRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#wrote(await this.#request<T>('POST', path, body));
      } catch (err) {
        if (!(err instanceof GatewayHttpError && err.code === 'OUTCOME_UNKNOWN' && attempt < retries)) throw err;
        await delay(1_000 * 2 ** attempt);
      }
    }
  }

  #wrote<T extends { readonly blockNumber?: string }>(result: T): T {
    if (result.blockNumber !== undefined && /^\d+$/.test(result.blockNumber)) {
      const block = BigInt(result.blockNumber);
      if (this.#minBlock === undefined || block > this.#minBlock) this.#minBlock = block;
    }
    return result;
  }

  /**
   * Uploads a study's DICOM files for publishing, as a DICOMweb STOW-RS body
   * streamed from disk (never held in memory). The answer names the consent
   * the patient must sign.
   */
  stagePublication(files: readonly string[]): Promise<StagedPublication> {
    const mime = new MultipartWriter();
    return this.#request<StagedPublication>('POST', '/api/v1/publications', {
      contentType: `multipart/related; type="application/dicom"; boundary=${mime.boundary}`,
      make: () => Readable.toWeb(Readable.from(stowParts(new MultipartWriter(mime.boundary), files))),
    });
  }

  /** Posts the patient's consent for a staged study; answers once DefineStudy committed. */
  async definePublication(reference: string, consent: string): Promise<DefinedPublication> {
    return this.#wrote(await this.#request<DefinedPublication>('POST', `/api/v1/publications/${encodeURIComponent(reference)}/consent`, json({ consent })));
  }

  /** A read of the ledger; it sees this client's writes (?minBlock=, unless the query sets its own). */
  get<T = unknown>(path: string, query: Readonly<Record<string, string | number | undefined>> = {}): Promise<T> {
    const floor =
      this.#minBlock === undefined || query.minBlock !== undefined || path.startsWith('/publications') || path.startsWith('/events')
        ? {}
        : { minBlock: this.#minBlock.toString() };
    const q = Object.entries({ ...query, ...floor })
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return this.#request<T>('GET', `/api/v1${path}${q ? `?${q}` : ''}`);
  }

  async #request<T>(method: string, path: string, body?: Body): Promise<T> {
    const retries = this.#o.overloadRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(method, path, body);
      } catch (err) {
        if (!(err instanceof GatewayHttpError && err.code === 'OVERLOADED' && attempt < retries)) throw err;
        await delay(Math.min(err.retryAfterMs ?? 1_000, MAX_RETRY_AFTER_MS));
      }
    }
  }

  #once<T>(method: string, path: string, body?: Body): Promise<T> {
    return this.#slots.run(() => this.#exchange<T>(method, path, body));
  }

  async #exchange<T>(method: string, path: string, body?: Body): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = body.contentType;
    }
    if (this.#o.token !== undefined) {
      headers.authorization = `Bearer ${this.#o.token}`;
    }
    let res: Response;
    try {
      res = await fetch(`${this.#o.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: body.make(), duplex: 'half' }),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 120_000),
      });
    } catch (err) {
      throw new GatewayHttpError(0, 'GATEWAY_UNREACHABLE', `cannot reach the gateway at ${this.#o.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      const problem = parseProblem(text);
      const retryAfter = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
      throw new GatewayHttpError(
        res.status,
        problem.code ?? 'HTTP_ERROR',
        problem.detail ?? (text || res.statusText),
        Number.isSafeInteger(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
        problem,
      );
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** An error body as RFC 9457 problem details; {} when it is not JSON (e.g. a proxy's page). */
function parseProblem(text: string): Problem {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Problem) : {};
  } catch {
    return {};
  }
}

const json = (value: unknown): Body => ({ contentType: 'application/json', make: () => JSON.stringify(value) });

async function* stowParts(mime: MultipartWriter, files: readonly string[]): AsyncGenerator<Buffer> {
  for (const file of files) {
    yield Buffer.from(mime.part({ 'Content-Type': 'application/dicom' }));
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  }
  yield Buffer.from(mime.close());
}
