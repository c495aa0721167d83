import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AuditSource } from './audit-message';
import { AuditOutbox } from './audit-outbox';
import { AuditTrail } from './audit-trail';
import { SyslogTlsSender } from './syslog-tls-sender';

/** The settings both the gateway and the image source read (docs/audit-messages.md); none: no audit messages. */
export const auditSettings = {
  ISL_AUDIT_REPOSITORY: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'ISL_AUDIT_REPOSITORY is host:port of the Audit Record Repository (syslog over TLS, RFC 5425)')
    .optional(),
  ISL_AUDIT_REPOSITORY_CA: z.string().min(1).optional(),
  ISL_AUDIT_REPOSITORY_NAME: z.string().min(1).optional(),
  ISL_AUDIT_CLIENT_CERT: z.string().min(1).optional(),
  ISL_AUDIT_CLIENT_KEY: z.string().min(1).optional(),
  ISL_AUDIT_OUTBOX_MAX: z.coerce.number().int().min(1).default(10_000),
  ISL_AUDIT_RETRY_MS: z.coerce.number().int().min(100).default(5_000),
} as const;

/** The audit settings alone (what auditConfigOf reads). */
export const auditSettingsSchema = z.object(auditSettings);
type AuditSettings = z.infer<typeof auditSettingsSchema>;

/** Where audit messages go (IHE ITI-20 over RFC 5425) and how the outbox behaves. */
export interface AuditRepositoryConfig {
  readonly host: string;
  readonly port: number;
  /** PEM file of the CAs the repository's certificate chains to (default: Node's CAs). */
  readonly caFile?: string;
  /** Name the repository's certificate carries, when not its host. */
  readonly serverName?: string;
  /** Client certificate and key for mutual TLS; default: the member's image-source TLS identity where it has one. */
  readonly client?: { readonly certFile: string; readonly keyFile: string };
  readonly outboxMax: number;
  readonly retryMs: number;
}

/** The repository settings, or undefined when none is configured; a half-given client identity is refused. */
export function auditConfigOf(c: AuditSettings): AuditRepositoryConfig | undefined {
  if ((c.ISL_AUDIT_CLIENT_CERT === undefined) !== (c.ISL_AUDIT_CLIENT_KEY === undefined)) {
    throw new Error('audit configuration: ISL_AUDIT_CLIENT_CERT and ISL_AUDIT_CLIENT_KEY are given together or not at all');
  }
  if (c.ISL_AUDIT_REPOSITORY === undefined) return undefined;
  const at = c.ISL_AUDIT_REPOSITORY.lastIndexOf(':');
  const port = Number(c.ISL_AUDIT_REPOSITORY.slice(at + 1));
  if (port < 1 || port > 65535) throw new Error(`audit configuration: ISL_AUDIT_REPOSITORY port ${String(port)} is not 1-65535`);
  return {
    host: c.ISL_AUDIT_REPOSITORY.slice(0, at),
    port,
    ...(c.ISL_AUDIT_REPOSITORY_CA === undefined ? {} : { caFile: c.ISL_AUDIT_REPOSITORY_CA }),
    ...(c.ISL_AUDIT_REPOSITORY_NAME === undefined ? {} : { serverName: c.ISL_AUDIT_REPOSITORY_NAME }),
    ...(c.ISL_AUDIT_CLIENT_CERT === undefined || c.ISL_AUDIT_CLIENT_KEY === undefined
      ? {}
      : { client: { certFile: c.ISL_AUDIT_CLIENT_CERT, keyFile: c.ISL_AUDIT_CLIENT_KEY } }),
    outboxMax: c.ISL_AUDIT_OUTBOX_MAX,
    retryMs: c.ISL_AUDIT_RETRY_MS,
  };
}

/** The environment that configures an audit repository: what auditConfigOf reads back. */
export function auditEnvironment(a: AuditRepositoryConfig | undefined): Record<string, string> {
  if (a === undefined) return {};
  return {
    ISL_AUDIT_REPOSITORY: `${a.host}:${String(a.port)}`,
    ...(a.caFile === undefined ? {} : { ISL_AUDIT_REPOSITORY_CA: a.caFile }),
    ...(a.serverName === undefined ? {} : { ISL_AUDIT_REPOSITORY_NAME: a.serverName }),
    ...(a.client === undefined ? {} : { ISL_AUDIT_CLIENT_CERT: a.client.certFile, ISL_AUDIT_CLIENT_KEY: a.client.keyFile }),
    ISL_AUDIT_OUTBOX_MAX: String(a.outboxMax),
    ISL_AUDIT_RETRY_MS: String(a.retryMs),
  };
}

export interface OpenAuditTrail {
  readonly config: AuditRepositoryConfig;
  readonly outboxDir: string;
  readonly source: AuditSource;
  readonly appName: string;
  /** The member's own TLS identity, used for mutual TLS when no client identity is configured. */
  readonly memberTls?: { readonly certFile: string; readonly keyFile: string };
  readonly log?: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** The audit trail of one service, its outbox on disk and its sender; started (it offers what an earlier run kept). */
export function openAuditTrail(o: OpenAuditTrail): AuditTrail {
  const { config } = o;
  const client = config.client ?? o.memberTls;
  const trail = new AuditTrail({
    outbox: new AuditOutbox({ dir: o.outboxDir, maxEntries: config.outboxMax, ...(o.log === undefined ? {} : { log: o.log }) }),
    sender: new SyslogTlsSender({
      host: config.host,
      port: config.port,
      ...(config.caFile === undefined ? {} : { ca: readFileSync(config.caFile) }),
      ...(config.serverName === undefined ? {} : { servername: config.serverName }),
      ...(client === undefined ? {} : { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) }),
    }),
    source: o.source,
    appName: o.appName,
    retryMs: config.retryMs,
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  trail.start();
  return trail;
}
