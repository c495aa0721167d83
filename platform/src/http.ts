import { request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpRequestOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: Uint8Array | string;
  /** https: the CAs to trust, and a client certificate and key for mutual TLS. */
  readonly ca?: Buffer | readonly Buffer[];
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The request-target sent exactly as given instead of the URL's path and query. */
  readonly path?: string;
  /** false: a fresh connection, not one from a pool; an Agent: that agent's pool (default: Node's global agent). */
  readonly agent?: false | Agent;
  /** Nothing received or sent for this long fails the request, with an error naming the URL. */
  readonly timeoutMs: number;
  /**
   * The request has the same effect sent twice (e.g. Orthanc's POST /instances, which keeps the copy
   * it holds): like a GET, it is sent once more when a reused connection is lost before any answer.
   */
  readonly idempotent?: boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Sends one HTTP(S) request and resolves as the answer starts: the caller
 * reads (or drains) the body as a stream. The one promise wrapper around
 * node:http(s) in the project.
 *
 * A GET or HEAD that fails before any answer on a pooled keep-alive connection
 * is sent once more: the server may have closed that idle connection just as
 * it was reused, which the client cannot see in advance (Node documents this
 * race under `request.reusedSocket`). Nothing was answered, and the method is
 * safe, so sending it again changes nothing. So is a request the caller marks idempotent.
 */
export function sendRequest(url: string | URL, options: HttpRequestOptions): Promise<IncomingMessage> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const method = options.method ?? 'GET';
  const retrySafe = ((method === 'GET' || method === 'HEAD') && options.body === undefined) || options.idempotent === true;
  return sendOnce(target, options).catch((err: unknown) => {
    if (retrySafe && err instanceof ReusedConnectionLost) return sendOnce(target, options);
    throw err instanceof ReusedConnectionLost ? err.cause : err;
  });
}

/** The request failed before any answer on a reused keep-alive connection. */
class ReusedConnectionLost extends Error {}

function sendOnce(target: URL, options: HttpRequestOptions): Promise<IncomingMessage> {
  const common = {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    timeout: options.timeoutMs,
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.agent === undefined ? {} : { agent: options.agent }),
  };
  return new Promise((resolve, reject) => {
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, {
            ...common,
            ...(options.ca === undefined ? {} : { ca: Buffer.isBuffer(options.ca) ? options.ca : [...options.ca] }),
            ...(options.cert === undefined ? {} : { cert: options.cert }),
            ...(options.key === undefined ? {} : { key: options.key }),
          })
        : httpRequest(target, common);
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin}${options.path ?? target.pathname} within ${String(options.timeoutMs)} ms`)));
    req.on('error', (err) => {
      reject(!answered && req.reusedSocket && isConnectionLost(err) ? new ReusedConnectionLost(err.message, { cause: err }) : err);
    });
    req.end(options.body);
  });
}

function isConnectionLost(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** Sends one request and reads the whole answer, at most `maxBytes` of body (default 16 MiB). */
export async function fetchAnswer(url: string | URL, options: HttpRequestOptions & { readonly maxBytes?: number }): Promise<HttpAnswer> {
  const res = await sendRequest(url, options);
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) {
      res.destroy();
      throw new Error(`the answer from ${String(url)} is larger than ${String(maxBytes)} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}
