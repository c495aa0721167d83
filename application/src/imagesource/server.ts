import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { LedgerUnavailable } from '../ledger/errors';
import { claimNonce, GET_COMPONENTS, POST_COMPONENTS, SignatureRejected, verifySignature, type SignatureTiming, type UnclaimedSignature } from './http-signature';
import { ACTION, faultEnvelope, parseRetrieveRequest, RESPONSE_ACTION, responseEnvelope, SoapFault, statusOf, type DocumentResponseEntry, type RegistryErrorEntry } from './iti43';
import { parseMediaType } from './media-type';
import { MultipartError, parseMultipartBuffer } from './multipart';
import { ReplayCache } from './replay-cache';
import { ImageSourceRoutes } from './routes';
import { write, type Authorisation, type StudyRelease } from './study-release';
import type { CanonicalUri } from './target-uri';
import type { OrthancInstance } from '../pacs/orthanc-client';

/** Instance files requested from Orthanc ahead of the one streaming. */
const PREFETCH = 3;

/** What the server needs of a StudyRelease. */
export type Release = Pick<StudyRelease, 'authorise' | 'recordRelease' | 'flushDisclosures'> & {
  openInstance(instance: OrthancInstance): Promise<Readable>;
  pipeInstance(file: Readable, out: Writable): Promise<number>;
};

export interface ImageSourceServerOptions {
  /** This source's key id: its ITI-43 RepositoryUniqueId. */
  readonly sourceId: string;
  /** The URL registered with DefineSource; request signatures must name it. */
  readonly publicUrl: string;
  readonly tls: { readonly cert: Buffer; readonly key: Buffer };
  readonly release: Release;
  readonly timing?: SignatureTiming;
  /** Nonces of granted requests remembered at most (fail closed beyond). */
  readonly replayCapacity?: number;
  /** Of those, the most one recipient key may hold. */
  readonly replayPerKey?: number;
  /** Nonces of refused requests remembered (the oldest forgotten beyond). */
  readonly refusedReplayCapacity?: number;
  readonly limits?: Partial<ConnectionLimits>;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** Bounds on what slow or many connections can hold (docs/image-retrieval.md). */
export interface ConnectionLimits {
  /** TLS handshake done within. */
  readonly handshakeTimeoutMs: number;
  /** Request line and headers received within (from the connection's start or the previous request). */
  readonly headersTimeoutMs: number;
  /** Whole request, body included, received within (ITI-43 bodies are at most 256 KiB). */
  readonly requestTimeoutMs: number;
  /** A connection on which nothing moves either way for this long is closed (also a response the client stopped reading). */
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  /** Open connections from one client address; more are closed at once. */
  readonly maxConnectionsPerClient: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1_024,
  maxConnectionsPerClient: 32,
};

const MAX_REQUEST_BYTES = 256 * 1024;
/** How much of a too-large ITI-43 body is read and dropped before the 413 (RFC 9112 §9.6: a close after unread data can reset the answer). */
const MAX_DRAIN_BYTES = 4 * 1024 * 1024;

/**
 * The image source's HTTPS service: ITI-43 Retrieve Document Set (SOAP 1.2,
 * MTOM/XOP) at the registered URL and DICOMweb WADO-RS under it. Nothing is
 * released before the request signature, freshness, repository, study and
 * grant checks pass.
 */
export class ImageSourceServer {
  readonly #options: ImageSourceServerOptions;
  /** Nonces of requests that released (or were about to release): never forgotten while live. */
  readonly #replay: ReplayCache;
  /** Nonces of requests refused after a valid signature: bounded, the oldest evicted, so strangers cannot exhaust #replay. */
  readonly #refused: ReplayCache;
  readonly #server: Server;
  readonly #routes: ImageSourceRoutes;
  readonly #perClient = new Map<string, number>();

  constructor(options: ImageSourceServerOptions) {
    this.#options = options;
    this.#replay = new ReplayCache({ capacity: options.replayCapacity ?? 100_000, perOwner: options.replayPerKey ?? 1_000 });
    this.#refused = new ReplayCache({ capacity: options.refusedReplayCapacity ?? 20_000, evictOldest: true });
    this.#routes = new ImageSourceRoutes(options.publicUrl);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#server = createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks the two timeouts above on this period (default 30 s, which would double them).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs / 2),
    }, (req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        options.log('error', 'request failed', { error: (err as Error).message });
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        } else {
          res.destroy();
        }
      });
    });
    this.#server.timeout = limits.idleTimeoutMs;
    this.#server.maxConnections = limits.maxConnections;
    this.#server.on('connection', (socket: Socket) => {
      this.#admit(socket, limits.maxConnectionsPerClient);
    });
  }

  /** Counts the client's open connections (TCP, before TLS); one over the limit is closed at once. */
  #admit(socket: Socket, max: number): void {
    const client = socket.remoteAddress ?? '';
    const open = this.#perClient.get(client) ?? 0;
    if (open >= max) {
      this.#options.log('warn', 'connection refused: too many from this client', { client, open });
      socket.destroy();
      return;
    }
    this.#perClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
  }

  listen(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every route is matched on the canonical path and carries its own
    // authorisation; nothing depends on the URL's spelling.
    const route = this.#routes.match(req.method, req.url);
    switch (route.name) {
      case 'healthz':
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', source: this.#options.sourceId, node: process.version }));
        return;
      case 'wado-rs':
        await this.#wadoRs(req, res, route.target, route.study);
        return;
      case 'iti43':
        await this.#iti43(req, res, route.target);
        return;
      case 'none':
        req.resume();
        res
          .writeHead(route.status, { 'content-type': 'application/json', ...(route.allow ? { allow: route.allow } : {}), ...(route.status === 400 ? { connection: 'close' } : {}) })
          .end(JSON.stringify({ error: route.error, message: route.message }));
        return;
    }
  }

  /** The signature is valid, fresh and its nonce unused; the nonce is not remembered yet (see #claim). */
  async #verify(req: IncomingMessage, target: CanonicalUri, components: readonly string[], body?: Buffer): Promise<UnclaimedSignature> {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return verifySignature(
      { method: req.method ?? 'GET', targetUri: target.href, headers },
      {
        requiredComponents: components,
        seen: (key, now) => this.#replay.has(key, now) || this.#refused.has(key, now),
        ...(this.#options.timing ? { timing: this.#options.timing } : {}),
        ...(body ? { body } : {}),
      },
    );
  }

  /**
   * Remembers the nonce once the grant check has run: a request that will
   * release claims room in the fail-closed cache (throws 'replayed' or
   * 'busy'); a refused one goes to the evicting cache, so self-made keys
   * without a grant can neither fill the first nor make releases wait.
   */
  #claim(signer: UnclaimedSignature, releases: boolean): void {
    if (releases) {
      claimNonce(this.#replay, signer);
    } else {
      this.#refused.remember(signer.nonceKey, signer.rememberUntilMs, Date.now(), signer.keyId);
    }
  }

  // DICOMweb WADO-RS Retrieve Study (PS3.18 §10.4): multipart/related; type="application/dicom".
  async #wadoRs(req: IncomingMessage, res: ServerResponse, target: CanonicalUri, reference: string): Promise<void> {
    req.resume();
    const refuse = (err: SignatureRejected): void => {
      this.#options.log('warn', 'WADO-RS request refused', { failure: err.failure, detail: err.message });
      const status = err.failure === 'busy' ? 503 : 401;
      res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Signature' }).end(JSON.stringify({ error: err.failure, message: err.message }));
    };
    let signer: UnclaimedSignature;
    try {
      signer = await this.#verify(req, target, GET_COMPONENTS);
    } catch (err) {
      if (err instanceof SignatureRejected) {
        refuse(err);
        return;
      }
      throw err;
    }
    const accept = req.headers.accept;
    if (accept !== undefined && !acceptsDicom(accept)) {
      res.writeHead(406, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not-acceptable', message: 'this service answers multipart/related; type="application/dicom"' }));
      return;
    }
    const auth = await this.#authorise(reference, signer.keyId);
    if (auth === 'unavailable') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unavailable', message: 'the ledger cannot be reached; try again later' }));
      return;
    }
    try {
      this.#claim(signer, auth.granted);
    } catch (err) {
      if (err instanceof SignatureRejected) {
        refuse(err);
        return;
      }
      throw err;
    }
    if (!auth.granted) {
      // Unknown and ungranted studies get the same answer.
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not-found', message: 'no such study is available to this recipient' }));
      return;
    }
    const requestId = randomUUID();
    const boundary = `isl-${randomBytes(16).toString('hex')}`;
    res.writeHead(200, {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      'isl-request-id': requestId,
      'cache-control': 'no-store',
    });
    await this.#stream(res, auth, signer.keyId, requestId, async (file, i) => {
      await write(res, `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/dicom\r\nContent-Location: ${target.path}/instances/${String(i + 1)}\r\n\r\n`);
      return this.#options.release.pipeInstance(file, res);
    }, `\r\n--${boundary}--\r\n`);
  }

  // IHE ITI-43 Retrieve Document Set: SOAP 1.2 + MTOM/XOP, one DocumentResponse (attachment) per DICOM instance.
  async #iti43(req: IncomingMessage, res: ServerResponse, target: CanonicalUri): Promise<void> {
    const body = await readBody(req, MAX_REQUEST_BYTES, MAX_DRAIN_BYTES);
    if (body === 'too-large') {
      // The body was read (and dropped) so the client sees this answer, not a reset; then the connection closes.
      res.setHeader('connection', 'close');
      this.#soapFault(res, new SoapFault(`the request is larger than ${String(MAX_REQUEST_BYTES)} bytes`, { httpStatus: 413 }));
      return;
    }
    const refuse = (err: SignatureRejected): void => {
      this.#options.log('warn', 'ITI-43 request refused', { failure: err.failure, detail: err.message });
      const subcode = { missing: 'wsse:InvalidSecurity', malformed: 'wsse:InvalidSecurity', invalid: 'wsse:FailedCheck', stale: 'wsse:MessageExpired', replayed: 'wsse:FailedAuthentication', busy: undefined }[err.failure];
      this.#soapFault(res, new SoapFault(err.message, err.failure === 'busy' ? { code: 'Receiver', httpStatus: 503 } : { subcode: subcode ?? 'wsse:InvalidSecurity', httpStatus: 401 }));
    };
    let signer: UnclaimedSignature;
    try {
      signer = await this.#verify(req, target, POST_COMPONENTS, body);
    } catch (err) {
      if (err instanceof SignatureRejected) {
        refuse(err);
        return;
      }
      throw err;
    }
    let request;
    try {
      request = parseRetrieveRequest(soapEnvelopeOf(req.headers['content-type'], body));
    } catch (err) {
      if (err instanceof SoapFault) {
        this.#soapFault(res, err);
        return;
      }
      throw err;
    }
    const errors: RegistryErrorEntry[] = [];
    const granted: { auth: Extract<Authorisation, { granted: true }>; homeCommunityId?: string; repositoryUniqueId: string }[] = [];
    for (const doc of request.documents) {
      if (doc.repositoryUniqueId !== this.#options.sourceId) {
        errors.push({ errorCode: 'XDSUnknownRepositoryId', codeContext: `Repository ${doc.repositoryUniqueId} is not served here`, location: doc.repositoryUniqueId });
        continue;
      }
      const auth = await this.#authorise(doc.documentUniqueId, signer.keyId);
      if (auth === 'unavailable') {
        errors.push({ errorCode: 'XDSRepositoryError', codeContext: 'The repository cannot check access right now; try again later', location: doc.documentUniqueId });
      } else if (!auth.granted) {
        errors.push({ errorCode: 'XDSDocumentUniqueIdError', codeContext: `Document ${doc.documentUniqueId} is not available`, location: doc.documentUniqueId });
      } else {
        granted.push({ auth, repositoryUniqueId: doc.repositoryUniqueId, ...(doc.homeCommunityId ? { homeCommunityId: doc.homeCommunityId } : {}) });
      }
    }
    try {
      this.#claim(signer, granted.length > 0);
    } catch (err) {
      if (err instanceof SignatureRejected) {
        refuse(err);
        return;
      }
      throw err;
    }
    const boundary = `isl-${randomBytes(16).toString('hex')}`;
    const rootId = `root.${randomUUID()}@isl`;
    const documents: DocumentResponseEntry[] = [];
    const parts: { cid: string; studyIndex: number; instanceIndex: number }[] = [];
    granted.forEach((g, s) => {
      g.auth.instances.forEach((_, i) => {
        const cid = `${String(s)}.${String(i + 1)}.${randomUUID()}@isl`;
        parts.push({ cid, studyIndex: s, instanceIndex: i });
        documents.push({ repositoryUniqueId: g.repositoryUniqueId, documentUniqueId: g.auth.reference, mimeType: 'application/dicom', contentId: cid, ...(g.homeCommunityId ? { homeCommunityId: g.homeCommunityId } : {}) });
      });
    });
    const envelope = responseEnvelope({ relatesTo: request.messageId, status: statusOf(granted.length, errors.length), errors, documents });
    res.writeHead(200, {
      'content-type': `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<${rootId}>"; start-info="application/soap+xml"; action="${RESPONSE_ACTION}"`,
      'cache-control': 'no-store',
    });
    await write(res, `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"; action="${RESPONSE_ACTION}"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${rootId}>\r\n\r\n${envelope}`);
    for (const [s, g] of granted.entries()) {
      const requestId = randomUUID();
      await this.#stream(res, g.auth, signer.keyId, requestId, async (file, i) => {
        const cid = parts.find((p) => p.studyIndex === s && p.instanceIndex === i)?.cid ?? '';
        await write(res, `\r\n--${boundary}\r\nContent-Type: application/dicom\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\n\r\n`);
        return this.#options.release.pipeInstance(file, res);
      }, undefined);
    }
    res.end(`\r\n--${boundary}--\r\n`);
  }

  async #authorise(reference: string, recipient: string): Promise<Authorisation | 'unavailable'> {
    try {
      const auth = await this.#options.release.authorise(reference, recipient);
      this.#options.log('info', auth.granted ? 'release authorised' : 'release refused', { study: reference, recipient, ...(auth.granted ? {} : { reason: auth.reason }) });
      return auth;
    } catch (err) {
      if (err instanceof LedgerUnavailable) {
        this.#options.log('warn', 'ledger unavailable: refusing to release', { study: reference });
        return 'unavailable';
      }
      throw err;
    }
  }

  /**
   * Streams a study instance by instance, then writes the disclosure to the
   * durable outbox before the response completes; a release cut off midway
   * is recorded with the bytes that left.
   */
  async #stream(
    res: ServerResponse,
    auth: Extract<Authorisation, { granted: true }>,
    recipient: string,
    requestId: string,
    each: (file: Readable, index: number) => Promise<number>,
    trailer: string | undefined,
  ): Promise<void> {
    let size = 0;
    let failure: Error | undefined;
    const { instances } = auth;
    // Orthanc is asked for the next instances while this one streams, so its
    // per-file latency overlaps the transfer; at most PREFETCH + 1 files are
    // open, each paused at its socket buffer (bounded memory).
    const open = (i: number): Promise<Readable> | undefined => {
      const instance = instances[i];
      if (instance === undefined) return undefined;
      const pending = this.#options.release.openInstance(instance);
      pending.catch(() => undefined); // awaited below, or abandoned after an earlier failure
      return pending;
    };
    const ahead: Promise<Readable>[] = [];
    let opened = 0;
    const refill = (): void => {
      while (ahead.length < PREFETCH && opened < instances.length) {
        const p = open(opened++);
        if (p) ahead.push(p);
      }
    };
    let current: Readable | undefined;
    try {
      refill();
      for (let i = 0; ahead.length > 0; i++) {
        current = await ahead.shift();
        refill();
        if (current) size += await each(current, i);
      }
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      current?.destroy();
      for (const p of ahead) void p.then((f) => f.destroy(), () => undefined);
    }
    if (size > 0) {
      this.#options.release.recordRelease({ study: auth.reference, recipient, size, requestId });
      this.#options.log('info', 'study released', { study: auth.reference, recipient, size, requestId, complete: failure === undefined });
    }
    if (failure !== undefined) {
      res.destroy();
      this.#options.release.flushDisclosures();
      throw failure;
    }
    if (trailer !== undefined) {
      res.end(trailer);
    }
    this.#options.release.flushDisclosures();
  }

  #soapFault(res: ServerResponse, fault: SoapFault): void {
    const boundary = `isl-${randomBytes(16).toString('hex')}`;
    const rootId = `fault.${randomUUID()}@isl`;
    res.writeHead(fault.httpStatus, {
      'content-type': `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<${rootId}>"; start-info="application/soap+xml"`,
    });
    res.end(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${rootId}>\r\n\r\n${faultEnvelope(fault)}\r\n--${boundary}--\r\n`,
    );
  }
}

function acceptsDicom(accept: string): boolean {
  return accept.split(',').some((member) => {
    const m = parseMediaType(member);
    if (!m) return false;
    if (m.type === '*/*' || m.type === 'multipart/*') return true;
    return m.type === 'multipart/related' && (m.params.get('type') ?? 'application/dicom').toLowerCase() === 'application/dicom';
  });
}

/**
 * Reads a body of at most `limit` bytes. A larger one is read on and
 * dropped up to `drainLimit` (so the refusal reaches a client still sending),
 * and not read beyond it: 'too-large' either way.
 */
async function readBody(req: IncomingMessage, limit: number, drainLimit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > drainLimit) {
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > drainLimit) {
      return 'too-large';
    }
    if (length <= limit) {
      chunks.push(chunk as Buffer);
    }
  }
  return length > limit ? 'too-large' : Buffer.concat(chunks);
}

/** The SOAP envelope of an MTOM (multipart/related, XOP root part) or plain SOAP 1.2 request. */
export function soapEnvelopeOf(contentType: string | undefined, body: Buffer): string {
  const type = parseMediaType(contentType);
  if (type?.type === 'application/soap+xml') {
    return body.toString('utf8');
  }
  if (type?.type !== 'multipart/related' || type.params.get('type')?.toLowerCase() !== 'application/xop+xml') {
    throw new SoapFault('ITI-43 requests are SOAP 1.2 with MTOM: multipart/related; type="application/xop+xml"', { httpStatus: 415 });
  }
  const boundary = type.params.get('boundary');
  if (!boundary) {
    throw new SoapFault('multipart/related without a boundary');
  }
  let parts;
  try {
    parts = parseMultipartBuffer(body, boundary);
  } catch (err) {
    throw new SoapFault(`malformed MIME: ${(err as MultipartError).message}`);
  }
  const start = type.params.get('start');
  const root = start ? parts.find((p) => p.headers.get('content-id') === start) : parts[0];
  if (!root) {
    throw new SoapFault('the MTOM root part (start) is missing');
  }
  const rootType = parseMediaType(root.headers.get('content-type'));
  if (rootType?.type !== 'application/xop+xml') {
    throw new SoapFault('the MTOM root part must be application/xop+xml');
  }
  return root.body.toString('utf8');
}

export { ACTION };
