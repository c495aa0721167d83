import { z } from 'zod';

/** The pino levels a service's ISL_LOG_LEVEL may name. */
export const logLevelSetting = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info');

/**
 * Reads a service's settings from its environment once, at start: fails fast,
 * naming every missing or malformed setting (not the first only), so an
 * operator fixes a unit file in one go.
 */
export function readSettings<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`${service} configuration: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
