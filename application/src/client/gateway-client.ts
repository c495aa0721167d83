import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { MultipartWriter } from '../wire/multipart-writer';

/** An error answer of the gateway application, with the ledger's code when there is one. */
export class GatewayHttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** The gateway's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, code: string, message: string, retryAfterMs?: number) {
    super(`${code}: ${message.replace(new RegExp(`^${code}: `), '')} (HTTP ${String(status)})`);
    this.name = 'GatewayHttpError';
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface WriteResult {
  readonly transactionId: string;
  readonly blockNumber?: string;
  readonly alreadyApplied: boolean;
  readonly record?: unknown;
}

/** A study staged for publishing, waiting for the patient's consent. */
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
}

const MAX_RETRY_AFTER_MS = 10_000;

/** The gateway application's REST API (the isl CLI and member systems use it). */
export class GatewayClient {
  readonly #o: GatewayClientOptions;

  constructor(options: GatewayClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  /** Relays a signed statement; the gateway picks the transaction from its type. */
  relay(statement: string): Promise<WriteResult> {
    return this.#request<WriteResult>('POST', '/api/v1/statements', json({ statement }));
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
  definePublication(reference: string, consent: string): Promise<DefinedPublication> {
    return this.#request<DefinedPublication>('POST', `/api/v1/publications/${encodeURIComponent(reference)}/consent`, json({ consent }));
  }

  get<T = unknown>(path: string, query: Readonly<Record<string, string | number | undefined>> = {}): Promise<T> {
    const q = Object.entries(query)
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

  async #once<T>(method: string, path: string, body?: Body): Promise<T> {
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
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retryAfter = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
      throw new GatewayHttpError(res.status, error?.code ?? 'HTTP_ERROR', error?.message ?? text, Number.isSafeInteger(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined);
    }
    return parsed as T;
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
