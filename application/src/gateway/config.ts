import { join } from 'node:path';
import { z } from 'zod';
import { auditConfigOf, auditSettings, type AuditRepositoryConfig } from '../atna/audit-config';
import { logLevelSetting, readSettings } from '../services/settings';
import { defaultTimeouts, type GatewayTimeouts } from './timeouts';

const schema = z.object({
  ISL_CONNECTION_PROFILE: z.string().min(1, 'ISL_CONNECTION_PROFILE (the connection profile npm start writes) is required'),
  ISL_ORG: z.string().min(1, "ISL_ORG (this gateway's organisation, MSP ID or name) is required"),
  ISL_GATEWAY_STATE_DIR: z.string().min(1, 'ISL_GATEWAY_STATE_DIR (tokens and event checkpoint) is required'),
  ISL_GATEWAY_HOST: z.string().default('127.0.0.1'),
  ISL_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ISL_GATEWAY_ANON_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  ISL_GATEWAY_MAX_WRITES_IN_FLIGHT: z.coerce.number().int().min(1).default(128),
  ISL_GATEWAY_MAX_READS_IN_FLIGHT: z.coerce.number().int().min(1).default(256),
  ISL_GATEWAY_MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(1).default(64),
  ISL_GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1).default(defaultTimeouts.headersMs),
  ISL_GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(defaultTimeouts.requestMs),
  ISL_GATEWAY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1).default(defaultTimeouts.idleMs),
  ISL_GATEWAY_BODY_WINDOW_MS: z.coerce.number().int().min(1).default(defaultTimeouts.bodyWindowMs),
  ISL_GATEWAY_MIN_BODY_BYTES_PER_WINDOW: z.coerce.number().int().min(1).default(defaultTimeouts.minBodyBytesPerWindow),
  ISL_GATEWAY_MIN_BLOCK_WAIT_MS: z.coerce.number().int().min(1).default(defaultTimeouts.minBlockWaitMs),
  ISL_PUBLICATION_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(4 * 1024 ** 3),
  ISL_PUBLICATION_MAX_INSTANCES: z.coerce.number().int().min(1).default(20_000),
  ISL_LOG_LEVEL: logLevelSetting,
  ...auditSettings,
});

/** The gateway application's settings, read once from the environment. */
export interface GatewayConfig {
  readonly profilePath: string;
  readonly org: string;
  readonly stateDir: string;
  readonly host: string;
  /** undefined: the organisation's gateway port from the connection profile. */
  readonly port: number | undefined;
  readonly anonymousRatePerMinute: number;
  /** Ledger writes in progress at once before new ones are turned away (503 OVERLOADED). */
  readonly maxWritesInFlight: number;
  readonly maxReadsInFlight: number;
  /** Connections open at once from one client address. */
  readonly maxConnectionsPerClient: number;
  readonly timeouts: GatewayTimeouts;
  readonly logLevel: string;
  /** Largest study upload (bytes) and most instances in one, for publishing. */
  readonly publicationLimits: { readonly maxBytes: number; readonly maxInstances: number };
  readonly tokensFile: string;
  /** Uploads wait here until the PACS holds them. */
  readonly uploadsDir: string;
  readonly checkpointFile: string;
  /** The member's Audit Record Repository (IHE ITI-20); undefined: no audit messages. */
  readonly audit?: AuditRepositoryConfig;
}

/** Fails fast, naming every missing or malformed setting. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const c = readSettings('gateway', schema, env);
  return {
    profilePath: c.ISL_CONNECTION_PROFILE,
    org: c.ISL_ORG,
    stateDir: c.ISL_GATEWAY_STATE_DIR,
    host: c.ISL_GATEWAY_HOST,
    port: c.ISL_GATEWAY_PORT,
    anonymousRatePerMinute: c.ISL_GATEWAY_ANON_RATE_PER_MINUTE,
    maxWritesInFlight: c.ISL_GATEWAY_MAX_WRITES_IN_FLIGHT,
    maxReadsInFlight: c.ISL_GATEWAY_MAX_READS_IN_FLIGHT,
    maxConnectionsPerClient: c.ISL_GATEWAY_MAX_CONNECTIONS_PER_CLIENT,
    timeouts: {
      headersMs: c.ISL_GATEWAY_HEADERS_TIMEOUT_MS,
      requestMs: c.ISL_GATEWAY_REQUEST_TIMEOUT_MS,
      idleMs: c.ISL_GATEWAY_IDLE_TIMEOUT_MS,
      bodyWindowMs: c.ISL_GATEWAY_BODY_WINDOW_MS,
      minBodyBytesPerWindow: c.ISL_GATEWAY_MIN_BODY_BYTES_PER_WINDOW,
      minBlockWaitMs: c.ISL_GATEWAY_MIN_BLOCK_WAIT_MS,
    },
    logLevel: c.ISL_LOG_LEVEL,
    publicationLimits: { maxBytes: c.ISL_PUBLICATION_MAX_BYTES, maxInstances: c.ISL_PUBLICATION_MAX_INSTANCES },
    uploadsDir: join(c.ISL_GATEWAY_STATE_DIR, 'uploads'),
    tokensFile: join(c.ISL_GATEWAY_STATE_DIR, 'tokens.json'),
    checkpointFile: join(c.ISL_GATEWAY_STATE_DIR, 'events.checkpoint'),
    ...optionalAudit(auditConfigOf(c)),
  };
}

const optionalAudit = (audit: AuditRepositoryConfig | undefined): { audit?: AuditRepositoryConfig } => (audit === undefined ? {} : { audit });
