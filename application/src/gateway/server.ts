import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Network } from '@hyperledger/fabric-gateway';
import type { LedgerClient } from '../ledger/ledger-client';
import type { EventHub } from './event-hub';
import type { GatewayMetrics } from './metrics';
import type { TokenStore } from './tokens';
import { isRead, isWrite, registerAdmission } from './admission';
import { toHttpError } from './http-errors';
import { registerStatementRoutes } from './routes/statements';
import { registerQueryRoutes } from './routes/queries';
import { registerEventRoutes } from './routes/events';
import { registerAuditRoutes } from './routes/audit';
import { registerPublicationRoutes, type PublicationRoutesOptions } from './routes/publications';
import type { AuditedOrderer } from '../audit/ordering';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Statement relays: the statement's signature is the authority; no token needed. */
    anonymous?: boolean;
    /** Operations endpoints: no token, no rate limit. */
    operations?: boolean;
  }
}

export interface GatewayServerOptions {
  readonly mspId: string;
  readonly ledger: LedgerClient;
  readonly network: Network;
  readonly chaincode: string;
  readonly tokens: TokenStore;
  readonly metrics: GatewayMetrics;
  readonly hub: EventHub;
  readonly anonymousRatePerMinute: number;
  /** Ledger writes in progress at once before new ones get 503 OVERLOADED (default 128). */
  readonly maxWritesInFlight?: number;
  /** Ledger queries in progress at once before new ones get 503 OVERLOADED (default 256). */
  readonly maxReadsInFlight?: number;
  /** The consortium's member MSP IDs (the audit reports each). */
  readonly members?: readonly string[];
  /** Orderers whose operations metrics the audit reads (Raft leadership figures). */
  readonly orderers?: readonly AuditedOrderer[];
  /** Publishing at the organisation's image source (absent: no publication endpoints). */
  readonly publications?: PublicationRoutesOptions;
  /** Whether the organisation's peer answers (for /readyz). */
  readonly ready: () => Promise<boolean>;
  readonly logLevel?: string;
}

/**
 * The gateway application's HTTP API for member hospitals' systems, under
 * /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).
 */
export async function buildGatewayServer(o: GatewayServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: o.logLevel ?? 'info', redact: ['req.headers.authorization'] },
    bodyLimit: 64 * 1024,
    // Node closes idle keep-alive sockets itself; in-flight requests finish on close().
    forceCloseConnections: 'idle',
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Image Sharing Ledger gateway', version: '1', description: `Gateway application of ${o.mspId}. Statement formats: docs/protocol.md.` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });
  await app.register(rateLimit, {
    global: false,
  });

  // Every /api/v1 route needs a valid bearer token, except statement relays (rate-limited instead).
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.operations === true || !request.url.startsWith('/api/v1') || request.url.startsWith('/api/v1/docs') || request.url === '/api/v1/openapi.json') {
      return;
    }
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') === true ? header.slice(7).trim() : undefined;
    const caller = token !== undefined ? o.tokens.verify(token) : undefined;
    if (caller !== undefined) {
      request.caller = caller;
      return;
    }
    if (token !== undefined || config.anonymous !== true) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: { code: 'UNAUTHENTICATED', message: 'a valid bearer token is required' } });
    }
  });

  // After authentication, so only callers allowed to write take a place.
  const onShed = (kind: string): void => {
    o.metrics.onShed(kind);
  };
  registerAdmission(app, { kind: 'writes', applies: isWrite, maxInFlight: o.maxWritesInFlight ?? 128, onShed });
  registerAdmission(app, { kind: 'reads', applies: isRead, maxInFlight: o.maxReadsInFlight ?? 256, onShed });

  app.setErrorHandler(async (err, request, reply) => {
    const mapped = toHttpError(err);
    if (mapped) {
      return reply.code(mapped.status).send(mapped.body);
    }
    const e = err as { validation?: unknown; statusCode?: number; message: string; code?: string };
    if (e.validation !== undefined || (e.statusCode !== undefined && e.statusCode < 500)) {
      return reply.code(e.statusCode ?? 400).send({ error: { code: e.code ?? 'BAD_REQUEST', message: e.message } });
    }
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error (logged)' } });
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { config: { operations: true }, schema: { hide: true } }, () => ({ status: 'OK', node: process.version }));
  app.get('/readyz', { config: { operations: true }, schema: { hide: true } }, async (_req, reply) =>
    (await o.ready().catch(() => false)) ? { status: 'OK' } : reply.code(503).send({ status: 'UNAVAILABLE', reason: `${o.mspId}'s peer does not answer` }),
  );
  app.get('/metrics', { config: { operations: true }, schema: { hide: true } }, async (_req, reply) =>
    reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics()),
  );

  registerStatementRoutes(app, o.ledger, o.anonymousRatePerMinute);
  registerQueryRoutes(app, o.ledger);
  registerEventRoutes(app, o.hub, o.network, o.chaincode);
  registerAuditRoutes(app, o.network, o.chaincode, { ...(o.members ? { members: o.members } : {}), ...(o.orderers ? { orderers: o.orderers } : {}) });
  if (o.publications) {
    registerPublicationRoutes(app, o.publications);
  }
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: string;
  }
}
