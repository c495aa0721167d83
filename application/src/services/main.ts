#!/usr/bin/env node
import { join } from 'node:path';
import { Consortium, FabricHome, loadTopology, projectRoot } from '@isl/network';
import { ApplicationServices } from './application-services';
import { describeServices } from './service-directory';
import { startupSummary } from './startup-summary';

/**
 * npm start (`up`): the network, then every organisation's application services; prints what listens where.
 * npm run status (`status`): the same as JSON, with each node's height and each process's binary and Node version.
 */
async function main(argv: readonly string[]): Promise<void> {
  const [command] = argv;
  if (command !== 'up' && command !== 'status') {
    throw new Error(`usage: main.js up|status (got ${String(command)})`);
  }
  const started = Date.now();
  const topology = loadTopology(
    process.env.ISL_TOPOLOGY ?? join(projectRoot, 'test-network-config', 'topology.yaml'),
    process.env.ISL_BASE_PORT ? Number.parseInt(process.env.ISL_BASE_PORT, 10) : undefined,
  );
  const log = (m: string): void => {
    process.stderr.write(`[start] ${m}\n`);
  };
  const consortium = new Consortium({ topology, fabric: FabricHome.locate(), runDir: process.env.ISL_RUN_DIR ?? join(projectRoot, '.run', 'consortium'), log });
  if (command === 'status') {
    const network = await consortium.status();
    const organisations = await describeServices(consortium.connectionProfile(), consortium.layout.root);
    process.stdout.write(`${JSON.stringify({ ...network, organisations }, null, 2)}\n`);
    return;
  }
  await consortium.up();
  const services = new ApplicationServices({ consortium, log });
  await services.up();
  process.stdout.write(
    startupSummary({
      topology,
      status: await consortium.status(),
      services: await describeServices(consortium.connectionProfile(), consortium.layout.root),
      elapsedMs: Date.now() - started,
      nodeVersion: process.version,
      connectionProfile: consortium.layout.connectionProfile,
      memberTokens: join(consortium.layout.root, 'orgs', '<org>', 'gateway', 'member-token'),
      logs: consortium.layout.logs,
    }),
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
