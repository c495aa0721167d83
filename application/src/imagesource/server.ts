import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { PublicJwk } from '@isl/chaincode';
import type { JWK } from 'jose';
import { EncryptionError } from '../encryption/errors';
import { ENCRYPTION_HEADER, encryptionRequested, ReleaseSealer } from '../encryption/release-sealer';
import type { SourceKey } from '../encryption/instance-header';
import { authenticationFailed, instancesTransferred } from '../atna/audit-events';
import { noAudit, type AuditSink } from '../atna/audit-trail';
import { LedgerUnavailable } from '../ledger/errors';
import type { OrthancInstance } from '../pacs/orthanc-client';
import { claimNonce, SignatureRejected, verifySignature, type SignatureTiming, type UnclaimedSignature } from '../wire/http-signature';
import { ReplayCache } from '../wire/replay-cache';
import type { CanonicalUri } from '../wire/target-uri';
import { retrieveLocationUid } from '../wire/rad69';
import { serveIti43 } from './iti43-handler';
import { serveRad69 } from './rad69-handler';
import type { Granted, ImageSourceLog, ReleaseGate } from './release-gate';
import { CorsPolicy } from './cors';
import { ImageSourceRoutes } from './routes';
import type { Authorisation, StudyRelease } from './study-release';
import { serveWadoRs } from './wado-rs-handler';

/** Instance files requested from Orthanc ahead of the one streaming. */
const PREFETCH = 3;

/** What the server needs of a StudyRelease. */
export type Release = Pick<StudyRelease, 'authorise' | 'authoriseStudy' | 'describe' | 'recordRelease' | 'flushDisclosures'> & {
  openInstance(instance: OrthancInstance): Promise<Readable>;
  pipeInstance(file: Readable, out: Writable): Promise<number>;
};

export interface ImageSourceServerOptions {
  /** This source's key id: its ITI-43 RepositoryUniqueId. */
  readonly sourceId: string;
  /** This source's private key (its thumbprint is sourceId): it signs the headers of encrypted releases; without it none are offered. */
  readonly sourceKey?: JWK;
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
  /** Web origins of the consortium's portals, which may call WADO-RS from a browser (CORS); none by default. */
  readonly portalOrigins?: readonly string[];
  readonly log: ImageSourceLog;
  /** Releases, refusals and failed authentications as DICOM audit messages (IHE ITI-20); none by default. */
  readonly audit?: AuditSink;
  /** The local grant view's state, reported on /healthz (docs/operations.md). */
  readonly grantView?: () => Record<string, unknown>;
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

const DEFAULT_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1_024,
  maxConnectionsPerClient: 32,
};

/**
 * The image source's HTTPS service: ITI-43 Retrieve Document Set (SOAP 1.2,
 * MTOM/XOP) at the registered URL, RAD-69 Retrieve Imaging Document Set at
 * `<url>/rad69` and DICOMweb WADO-RS under it. Nothing is
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
  readonly #cors: CorsPolicy;
  readonly #perClient = new Map<string, number>();
  /** What the WADO-RS and ITI-43 handlers may ask of this server. */
  readonly #gate: ReleaseGate;
  /** The signer of encrypted instances' headers, when this source offers encryption. */
  readonly #sealingSource: SourceKey | undefined;
  readonly #audit: AuditSink;

  constructor(options: ImageSourceServerOptions) {
    this.#options = options;
    this.#audit = options.audit ?? noAudit;
    this.#replay = new ReplayCache({ capacity: options.replayCapacity ?? 100_000, perOwner: options.replayPerKey ?? 1_000 });
    this.#refused = new ReplayCache({ capacity: options.refusedReplayCapacity ?? 20_000, evictOldest: true });
    this.#routes = new ImageSourceRoutes(options.publicUrl);
    this.#cors = new CorsPolicy(options.portalOrigins ?? []);
    this.#sealingSource = sealingSource(options.sourceKey);
    this.#gate = {
      sourceId: options.sourceId,
      log: options.log,
      verify: (req, target, components, body) => this.#verify(req, target, components, body),
      claim: (signer, releases) => {
        this.#claim(signer, releases);
      },
      sealer: (req, signer) => this.#sealer(req, signer),
      authorise: (reference, recipient) => this.#authorise(reference, () => options.release.authorise(reference, recipient), recipient),
      authoriseStudy: (uid, recipient) => this.#authorise('(by Study Instance UID)', () => options.release.authoriseStudy(uid, recipient), recipient),
      retrieveLocationUid: retrieveLocationUid(options.sourceId),
      describe: (auth) => options.release.describe(auth),
      disclose: (disclosure, address) => {
        options.release.recordRelease(disclosure);
        options.log('info', 'manifest released', { ...disclosure });
        options.release.flushDisclosures();
        this.#auditTransfer(
          disclosure.study,
          disclosure.recipient,
          address,
          0,
          `released the manifest, ${String(disclosure.size)} bytes (request ${disclosure.requestId})`,
        );
      },
      pipeInstance: (file, out) => options.release.pipeInstance(file, out),
      stream: (res, auth, recipient, requestId, each, trailer, encrypted) => this.#stream(res, auth, recipient, requestId, each, trailer, encrypted === true),
    };
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#server = createServer(
      {
        cert: options.tls.cert,
        key: options.tls.key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: limits.handshakeTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // Node checks the two timeouts above on this period (default 30 s, which would double them).
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs / 2),
      },
      (req, res) => {
        this.#handle(req, res).catch((err: unknown) => {
          options.log('error', 'request failed', { error: (err as Error).message });
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
          } else {
            res.destroy();
          }
        });
      },
    );
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
    // A browser's preflight is matched as the GET it announces, so only WADO-RS is offered across origins.
    if (this.#cors.preflight(req, res, this.#routes.match('GET', req.url).name === 'wado-rs')) return;
    this.#cors.decorate(req, res);
    switch (route.name) {
      case 'healthz':
        req.resume();
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'ok', source: this.#options.sourceId, node: process.version, ...this.#grantView() }));
        return;
      case 'wado-rs':
        await serveWadoRs(this.#gate, req, res, route.target, route.study);
        return;
      case 'iti43':
        await serveIti43(this.#gate, req, res, route.target);
        return;
      case 'rad69':
        await serveRad69(this.#gate, req, res, route.target);
        return;
      case 'none':
        req.resume();
        res
          .writeHead(route.status, {
            'content-type': 'application/json',
            ...(route.allow ? { allow: route.allow } : {}),
            ...(route.status === 400 ? { connection: 'close' } : {}),
          })
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
    // A request for encryption must sign it: a proxy must not be able to strip it and get plaintext.
    const required = req.headers[ENCRYPTION_HEADER] === undefined ? components : [...components, ENCRYPTION_HEADER];
    try {
      return await verifySignature(
        { method: req.method ?? 'GET', targetUri: target.href, headers },
        {
          requiredComponents: required,
          seen: (key, now) => this.#replay.has(key, now) || this.#refused.has(key, now),
          ...(this.#options.timing ? { timing: this.#options.timing } : {}),
          ...(body ? { body } : {}),
        },
      );
    } catch (err) {
      if (err instanceof SignatureRejected) this.#auditRejected(err, claimedKeyId(headers['signature-input']), req.socket.remoteAddress);
      throw err;
    }
  }

  /** A signature refused (not a busy cache: that is no failed authentication) is a failed User Authentication. */
  #auditRejected(err: SignatureRejected, keyId: string | undefined, address: string | undefined): void {
    if (err.failure === 'busy') return;
    this.#audit.record(
      authenticationFailed({
        ...(keyId === undefined ? {} : { user: keyId }),
        ...(address === undefined ? {} : { address }),
        node: this.#options.publicUrl,
        reason: `request signature ${err.failure}: ${err.message}`.slice(0, 512),
        at: new Date(),
      }),
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
      try {
        claimNonce(this.#replay, signer);
      } catch (err) {
        if (err instanceof SignatureRejected) this.#auditRejected(err, signer.keyId, undefined);
        throw err;
      }
    } else {
      this.#refused.remember(signer.nonceKey, signer.rememberUntilMs, Date.now(), signer.keyId);
    }
  }

  #sealer(req: IncomingMessage, signer: UnclaimedSignature): ReleaseSealer | undefined {
    if (!encryptionRequested(req.headers[ENCRYPTION_HEADER])) return undefined;
    if (this.#sealingSource === undefined) throw new EncryptionError('ENCRYPTION_UNSUPPORTED', 'this source offers no encrypted releases');
    return new ReleaseSealer({ source: this.#sealingSource, recipient: signer.publicJwk, recipientId: signer.keyId, request: signer.nonce });
  }

  /** A release or a refused retrieval as DICOM Instances Transferred; a malformed reference is cut short (it is the requester's text). */
  #auditTransfer(reference: string, recipient: string, address: string | undefined, outcome: 0 | 4 | 8, description: string): void {
    this.#audit.record(
      instancesTransferred({
        study: reference.slice(0, 64),
        recipient: recipient.slice(0, 64),
        ...(address === undefined ? {} : { recipientAddress: address }),
        source: this.#options.publicUrl,
        at: new Date(),
        outcome,
        description,
      }),
    );
  }

  #grantView(): { grantView?: Record<string, unknown> } {
    return this.#options.grantView === undefined ? {} : { grantView: this.#options.grantView() };
  }

  async #authorise(reference: string, check: () => Promise<Authorisation>, recipient: string): Promise<Authorisation | 'unavailable'> {
    try {
      const auth = await check();
      this.#options.log('info', auth.granted ? 'release authorised' : 'release refused', {
        study: auth.granted ? auth.reference : reference,
        recipient,
        ...(auth.granted ? (auth.breakGlass === undefined ? {} : { breakGlass: auth.breakGlass }) : { reason: auth.reason }),
      });
      if (!auth.granted) this.#auditTransfer(reference, recipient, undefined, 4, `retrieval refused: ${auth.reason}`);
      return auth;
    } catch (err) {
      if (err instanceof LedgerUnavailable) {
        this.#options.log('warn', 'ledger unavailable: refusing to release', { study: reference });
        this.#auditTransfer(reference, recipient, undefined, 8, 'retrieval refused: the ledger could not be asked for the grant');
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
    auth: Granted,
    recipient: string,
    requestId: string,
    each: (file: Readable, index: number) => Promise<number>,
    trailer: string | undefined,
    encrypted: boolean,
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
      for (const p of ahead)
        void p.then(
          (f) => f.destroy(),
          () => undefined,
        );
    }
    if (size > 0) {
      const basis = auth.breakGlass === undefined ? {} : { breakGlass: auth.breakGlass };
      this.#options.release.recordRelease({ study: auth.reference, recipient, size, requestId, encrypted, ...basis });
      this.#options.log('info', 'study released', { study: auth.reference, recipient, size, requestId, encrypted, complete: failure === undefined, ...basis });
      const outcome =
        failure === undefined
          ? { outcome: 0 as const, text: `released ${String(size)} bytes` }
          : { outcome: 4 as const, text: `release cut off after ${String(size)} bytes` };
      this.#auditTransfer(auth.reference, recipient, res.req.socket.remoteAddress, outcome.outcome, `${outcome.text} (request ${requestId})`);
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
}

/** The source key as the header signer needs it: the private JWK, its algorithm and public members. */
function sealingSource(privateJwk: JWK | undefined): SourceKey | undefined {
  if (privateJwk === undefined) return undefined;
  const publicJwk = PublicJwk.parse(
    privateJwk.kty === 'EC'
      ? { kty: 'EC', crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y }
      : { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x },
  );
  return { privateJwk, alg: publicJwk.kty === 'EC' ? 'ES256' : 'EdDSA', publicJwk };
}

/** The key id a request's Signature-Input names (RFC 9421 keyid), unverified: whom a refused request claimed to be. */
function claimedKeyId(signatureInput: string | undefined): string | undefined {
  return /;\s*keyid="([A-Za-z0-9_-]{1,64})"/.exec(signatureInput ?? '')?.[1];
}
