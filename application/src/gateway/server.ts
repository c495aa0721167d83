import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Network } from '@hyperledger/fabric-gateway';
import type { LedgerCalls } from '../ledger/ledger-client';
import type { AuditSink } from '../atna/audit-trail';
import type { EventHub } from './event-hub';
import type { GatewayMetrics } from './metrics';
import type { TokenStore } from './tokens';
import { DOCS_PREFIX, registerAccess } from './access';
import { registerAdmission } from './admission';
import { registerBodyProgress } from './body-progress';
import { limitConnectionsPerClient } from './connection-limit';
import { toHttpError, type HttpError } from './http-errors';
import { errorResponses } from './openapi-errors';
import type { CommittedBlocks } from './peer-blocks';
import { HttpProblem, problem, PROBLEM_MEDIA_TYPE } from './problem';
import { registerStatementRoutes } from './routes/statements';
import { registerQueryRoutes } from './routes/queries';
import { registerEventRoutes } from './routes/events';
import { registerDrain } from './drain';
import { registerAuditRoutes } from './routes/audit';
import { registerPublicationRoutes, type PublicationRoutesOptions } from './routes/publications';
import type { AuditedOrderer } from '../audit/ordering';
import { defaultTimeouts, type GatewayTimeouts } from './timeouts';
import { registerPortal, type PortalOptions } from './portal';
import { registerFhirRoutes } from './routes/fhir';
import { FHIR_MEDIA_TYPE, operationOutcome } from '../fhir/bundle';

export interface GatewayServerOptions {
  readonly mspId: string;
  readonly ledger: LedgerCalls;
  readonly network: Network;
  readonly chaincode: string;
  readonly tokens: TokenStore;
  readonly metrics: GatewayMetrics;
  readonly hub: EventHub;
  /** The blocks the organisation's peer committed (reads with ?minBlock= wait on it). */
  readonly blocks: CommittedBlocks;
  readonly anonymousRatePerMinute: number;
  /** Ledger writes in progress at once before new ones get 503 OVERLOADED (default 128). */
  readonly maxWritesInFlight?: number;
  /** Ledger queries in progress at once before new ones get 503 OVERLOADED (default 256). */
  readonly maxReadsInFlight?: number;
  /** Connections open at once from one client address; the next is refused 429 (default 64). */
  readonly maxConnectionsPerClient?: number;
  readonly timeouts?: Partial<GatewayTimeouts>;
  /** The consortium's member MSP IDs (the audit reports each). */
  readonly members?: readonly string[];
  /** Orderers whose operations metrics the audit reads (Raft leadership figures). */
  readonly orderers?: readonly AuditedOrderer[];
  /** Publishing at the organisation's image source (absent: no publication endpoints). */
  readonly publications?: PublicationRoutesOptions;
  /** The web portal served at /portal (absent: none). */
  readonly portal?: PortalOptions;
  /** Whether the organisation's peer answers (for /readyz). */
  readonly ready: () => Promise<boolean>;
  readonly logLevel?: string;
  /** Failed authentications as DICOM audit messages (IHE ITI-20); none by default. */
  readonly audit?: AuditSink;
}

const minBlockParam = {
  type: 'string',
  pattern: '^(0|[1-9][0-9]{0,18})$',
  description: "Answer only once this gateway's peer has committed this block (a write's blockNumber)",
} as const;

async function sendError(reply: FastifyReply, e: HttpError): Promise<FastifyReply> {
  // The rest of a body that is still arriving is not read: close the connection after answering.
  if (!reply.request.raw.complete) void reply.header('connection', 'close');
  // A FHIR route (matched, never by its path's spelling) answers errors as FHIR does.
  if (!reply.request.is404 && reply.request.routeOptions.config.fhir === true) {
    return reply
      .code(e.status)
      .headers({ ...e.headers })
      .type(FHIR_MEDIA_TYPE)
      .send(operationOutcome(e.status, e.body.code, e.body.detail));
  }
  return reply
    .code(e.status)
    .headers({ ...e.headers })
    .type(PROBLEM_MEDIA_TYPE)
    .send(e.body);
}

/** Malformed HTTP and Node's own timeouts, answered before Fastify sees a request. */
function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', problem('REQUEST_TIMEOUT', 'the request did not arrive in time')]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', problem('HEADERS_TOO_LARGE', 'the request headers are too large')]
        : [400, 'Bad Request', problem('REQUEST_INVALID', 'the request is not well-formed HTTP/1.1')];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${String(status)} ${reason}\r\ncontent-type: ${PROBLEM_MEDIA_TYPE}\r\ncontent-length: ${String(Buffer.byteLength(text))}\r\nconnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

/**
 * The gateway application's HTTP API for member hospitals' systems, under
 * /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs). Every
 * route declares who may call it (access.ts) and which in-flight limit it
 * counts against (admission.ts); every error is an RFC 9457 problem.
 */
export async function buildGatewayServer(o: GatewayServerOptions): Promise<FastifyInstance> {
  const timeouts = { ...defaultTimeouts, ...o.timeouts };
  const app = Fastify({
    logger: { level: o.logLevel ?? 'info', redact: ['req.headers.authorization'] },
    bodyLimit: 64 * 1024,
    // Node closes idle keep-alive sockets itself; in-flight requests finish on close().
    forceCloseConnections: 'idle',
    // drain.ts answers requests that arrive while closing, as a problem with a retry hint.
    return503OnClosing: false,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    // Node checks the request and headers deadlines at this interval.
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs) },
    clientErrorHandler: clientError,
    frameworkErrors: (err, request, reply) => {
      void sendError(reply, toHttpError(err) ?? { status: 400, body: problem('REQUEST_INVALID', 'the request is malformed') });
    },
  });
  limitConnectionsPerClient(app, o.maxConnectionsPerClient ?? 64, () => {
    o.metrics.onShed('connections');
  });

  // Before any route: every route must declare its access.
  const draining = registerDrain(app);
  registerAccess(app, o.tokens, o.audit === undefined ? undefined : { sink: o.audit, node: `gateway.${o.mspId}` });
  documentMinBlock(app);
  await registerOpenApi(app, o.mspId);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(problem('RATE_LIMITED', `at most ${String(context.max)} anonymous relays per minute from one client; retry in ${context.after}`)),
  });

  // After authentication, so only callers allowed to write take a place.
  const onShed = (kind: string): void => {
    o.metrics.onShed(kind);
  };
  for (const admission of [
    registerAdmission(app, { kind: 'writes', maxInFlight: o.maxWritesInFlight ?? 128, onShed }),
    registerAdmission(app, { kind: 'reads', maxInFlight: o.maxReadsInFlight ?? 256, onShed }),
  ]) {
    o.metrics.trackInFlight(admission.kind, admission.inFlight);
  }
  registerBodyProgress(app, { windowMs: timeouts.bodyWindowMs, minBytesPerWindow: timeouts.minBodyBytesPerWindow }, () => {
    o.metrics.onShed('slow-bodies');
  });

  awaitMinBlock(app, o, timeouts.minBlockWaitMs);

  app.setErrorHandler(async (err, request, reply) => {
    const mapped = toHttpError(
      err,
      request.is404 ? {} : { ...(request.routeOptions.config.oversized ? { oversized: request.routeOptions.config.oversized } : {}) },
    );
    if (mapped) return sendError(reply, mapped);
    request.log.error({ err }, 'unexpected error');
    return sendError(reply, { status: 500, body: problem('INTERNAL', 'internal error (logged)') });
  });
  // Reached only with a valid token (access.ts): unmatched paths are not revealed to strangers.
  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, { status: 404, body: problem('NOT_FOUND', `no ${request.method} ${request.url.split('?')[0] ?? ''} here`) }),
  );

  registerOperations(app, o);

  registerStatementRoutes(app, o.ledger, o.blocks, o.anonymousRatePerMinute);
  registerQueryRoutes(app, o.ledger);
  registerEventRoutes(app, o.hub, o.network, o.chaincode, draining);
  registerAuditRoutes(app, o.network, o.chaincode, { ...(o.members ? { members: o.members } : {}), ...(o.orderers ? { orderers: o.orderers } : {}) });
  registerFhirRoutes(app, { ledger: o.ledger, mspId: o.mspId, ...(o.publications ? { studies: o.publications.studies } : {}) });
  if (o.publications) {
    registerPublicationRoutes(app, o.publications);
  }
  if (o.portal) {
    registerPortal(app, o.portal);
  }
  return app;
}

/** Reads of the ledger accept ?minBlock= (added to their query schema, so validated and documented). */
function documentMinBlock(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.minBlock !== true) return;
    const schema = route.schema ?? {};
    const query = (schema.querystring ?? { type: 'object', additionalProperties: false, properties: {} }) as { properties?: Record<string, unknown> };
    route.schema = { ...schema, querystring: { ...query, properties: { ...query.properties, minBlock: minBlockParam } } };
  });
}

/** The OpenAPI document, with who may call each operation and every error it answers, and its browsable docs. */
async function registerOpenApi(app: FastifyInstance, mspId: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Image Sharing Ledger gateway',
        version: '1',
        description: `Gateway application of ${mspId}. Statement formats and errors: docs/protocol.md.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Who may call each operation, and every error it answers.
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      const open = access === 'public' || access === 'relay';
      return {
        url,
        schema: {
          ...schema,
          ...(open ? { security: [{}, { bearer: [] }] } : {}),
          'x-isl-access': access,
          response: withSuccess(schema.response as Record<string, unknown> | undefined, errorResponses(route)),
        } as typeof schema,
      };
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}

/**
 * An operation's responses: its declared ones and its errors. Reads answering the chaincode's JSON
 * as it is declare no response schema (Fastify would serialise by it, dropping undeclared fields),
 * so their 200 is named here.
 */
function withSuccess(declared: Record<string, unknown> = {}, errors: Record<string, unknown>): Record<string, unknown> {
  const success = Object.keys(declared).some((status) => status.startsWith('2'))
    ? {}
    : { 200: { description: "OK: the ledger's answer as JSON (docs/protocol.md)", content: { 'application/json': { schema: {} } } } };
  return { ...success, ...declared, ...errors };
}

/** A read with ?minBlock= waits (bounded) until this member's peer has committed that block. */
function awaitMinBlock(app: FastifyInstance, o: Pick<GatewayServerOptions, 'blocks' | 'mspId'>, waitMs: number): void {
  app.addHook('preHandler', async (request) => {
    const minBlock = (request.query as { minBlock?: string } | undefined)?.minBlock;
    if (request.routeOptions.config.minBlock !== true || minBlock === undefined) return;
    if (!(await o.blocks.reach(BigInt(minBlock), waitMs))) {
      throw new HttpProblem(
        problem(
          'BLOCK_NOT_REACHED',
          `${o.mspId}'s peer has not committed block ${minBlock} within ${String(waitMs)} ms; retry, or read at the gateway that wrote`,
          { block: minBlock },
        ),
        { 'retry-after': '1' },
      );
    }
  });
}

/** Health, readiness, metrics and the OpenAPI document: public, hidden from the document itself. */
function registerOperations(app: FastifyInstance, o: Pick<GatewayServerOptions, 'ready' | 'metrics' | 'mspId'>): void {
  const operations = { access: 'public' } as const;
  app.get('/api/v1/openapi.json', { config: operations, schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { config: operations, schema: { hide: true } }, () => ({ status: 'OK', node: process.version }));
  app.get('/readyz', { config: operations, schema: { hide: true } }, async (_req, reply) =>
    (await o.ready().catch(() => false))
      ? { status: 'OK' }
      : sendError(reply, { status: 503, body: problem('LEDGER_UNAVAILABLE', `${o.mspId}'s peer does not answer`) }),
  );
  app.get('/metrics', { config: operations, schema: { hide: true } }, async (_req, reply) =>
    reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics()),
  );
}
