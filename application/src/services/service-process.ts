import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectNode, projectRoot, type ProcessSupervisor } from '@isl/network';

/** The application's long-running services, by their entry point under application/dist. */
export type ServiceEntry = 'gateway/main' | 'imagesource/main';

export interface ServiceProcess {
  /** The supervisor's name for the process, e.g. `gateway.hospital1`. */
  readonly name: string;
  readonly entry: ServiceEntry;
  /** The service's own settings (ISL_*): each service reads them through its fail-fast config.ts. */
  readonly settings: Readonly<Record<string, string>>;
  /** Node/V8 options given before the entry point (after any inherited NODE_OPTIONS, so they win). */
  readonly nodeOptions?: readonly string[];
}

/** What a service inherits from the launching environment: nothing else leaks in (tokens, other members' settings). */
const inherited = ['PATH', 'HOME', 'LANG', 'NODE_OPTIONS'] as const;

/**
 * The one way a service is launched: the compiled entry point on the project's
 * Node, supervised, configured only by its environment. Compiled, not through
 * ts-node, so what tests start is what `npm start` runs.
 */
export function startServiceProcess(supervisor: ProcessSupervisor, service: ServiceProcess): void {
  const main = join(projectRoot, 'application', 'dist', `${service.entry}.js`);
  if (!existsSync(main)) {
    throw new Error(`${service.name}: ${main} is missing; build first (npx tsc -b)`);
  }
  const env: Record<string, string> = {};
  for (const name of inherited) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  supervisor.start({
    name: service.name,
    command: projectNode(),
    args: [...(service.nodeOptions ?? []), main],
    env: { ...env, ...service.settings },
    cwd: projectRoot,
  });
}
