import { z } from 'zod';
import { auditConfigOf, auditEnvironment, auditSettings, type AuditRepositoryConfig } from '../atna/audit-config';
import { logLevelSetting, readSettings } from '../services/settings';

const schema = z.object({
  ISL_CONNECTION_PROFILE: z.string().min(1, 'ISL_CONNECTION_PROFILE (the connection profile npm start writes) is required'),
  ISL_ORG: z.string().min(1, "ISL_ORG (this image source's organisation, MSP ID or name) is required"),
  ISL_RUN_DIR: z.string().min(1, "ISL_RUN_DIR (the network's run folder holding the source's key, studies, outbox and TLS identity) is required"),
  ISL_DISCLOSURE_RETRY_MS: z.coerce.number().int().min(100).default(5_000),
  ISL_LOG_LEVEL: logLevelSetting,
  ...auditSettings,
});

/** The image source's settings, read once from the environment (as the gateway's are). */
export interface ImageSourceConfig {
  readonly profilePath: string;
  readonly org: string;
  readonly runDir: string;
  /** How often disclosures the ledger could not take yet are offered again. */
  readonly disclosureRetryMs: number;
  readonly logLevel: string;
  /** The member's Audit Record Repository (IHE ITI-20); undefined: no audit messages. */
  readonly audit?: AuditRepositoryConfig;
}

/** Fails fast, naming every missing or malformed setting. */
export function loadImageSourceConfig(env: NodeJS.ProcessEnv = process.env): ImageSourceConfig {
  const c = readSettings('image source', schema, env);
  return {
    profilePath: c.ISL_CONNECTION_PROFILE,
    org: c.ISL_ORG,
    runDir: c.ISL_RUN_DIR,
    disclosureRetryMs: c.ISL_DISCLOSURE_RETRY_MS,
    logLevel: c.ISL_LOG_LEVEL,
    ...optionalAudit(auditConfigOf(c)),
  };
}

/** The environment that configures an image source: what `loadImageSourceConfig` reads back. */
export function imageSourceSettings(c: Pick<ImageSourceConfig, 'profilePath' | 'org' | 'runDir'> & Partial<ImageSourceConfig>): Record<string, string> {
  return {
    ISL_CONNECTION_PROFILE: c.profilePath,
    ISL_ORG: c.org,
    ISL_RUN_DIR: c.runDir,
    ...(c.disclosureRetryMs === undefined ? {} : { ISL_DISCLOSURE_RETRY_MS: String(c.disclosureRetryMs) }),
    ...(c.logLevel === undefined ? {} : { ISL_LOG_LEVEL: c.logLevel }),
    ...auditEnvironment(c.audit),
  };
}

const optionalAudit = (audit: AuditRepositoryConfig | undefined): { audit?: AuditRepositoryConfig } => (audit === undefined ? {} : { audit });
