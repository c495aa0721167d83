#!/usr/bin/env node
import { join } from 'node:path';
import { Consortium, FabricHome, loadTopology, memberHomeOf, projectRoot, type Topology } from '@isl/network';
import { ApplicationServices } from './application-services';
import { describeServices } from './service-directory';
import { startupSummary } from './startup-summary';

type Command = 'up' | 'status' | 'stop' | 'reset';
const COMMANDS: readonly Command[] = ['up', 'status', 'stop', 'reset'];

function isCommand(text: string | undefined): text is Command {
  return COMMANDS.some((c) => c === text);
}

/**
 * The one lifecycle command, behind every npm script that runs the consortium:
 * npm start (`up`): the network, then every organisation's application services; prints what listens where.
 * npm run status (`status`): the same as JSON, with each node's height and each process's binary and Node version.
 * npm stop (`stop`): stops every process of the run folder; npm run reset (`reset`): stops and wipes it.
 */
async function main(argv: readonly string[]): Promise<void> {
  const [command] = argv;
  if (!isCommand(command)) {
    throw new Error(`usage: main.js ${COMMANDS.join('|')} (got ${String(command)})`);
  }
  const topology = loadTopology(
    process.env.ISL_TOPOLOGY ?? join(projectRoot, 'test-network-config', 'topology.yaml'),
    process.env.ISL_BASE_PORT ? Number.parseInt(process.env.ISL_BASE_PORT, 10) : undefined,
  );
  const runDir = process.env.ISL_RUN_DIR ?? join(projectRoot, '.run', 'consortium');
  const log = (m: string): void => {
    process.stderr.write(`[${command}] ${m}\n`);
  };
  // Stopping and wiping run no Fabric binary: they work even where none is installed.
  const fabric = command === 'stop' || command === 'reset' ? new FabricHome('') : FabricHome.locate();
  const consortium = new Consortium({ topology, fabric, runDir, log });
  switch (command) {
    case 'up':
      await up(consortium, topology, log);
      return;
    case 'status':
      await status(consortium);
      return;
    case 'stop':
      await consortium.stop();
      log('stopped');
      return;
    case 'reset':
      await consortium.reset();
      log(`stopped and removed ${runDir}`);
      return;
  }
}

async function up(consortium: Consortium, topology: Topology, log: (m: string) => void): Promise<void> {
  const started = Date.now();
  await consortium.up();
  const services = new ApplicationServices({ consortium, log });
  await services.up();
  process.stdout.write(
    startupSummary({
      topology,
      status: await consortium.status(),
      services: await describeServices(consortium.connectionProfile(), consortium.layout.connectionProfile),
      elapsedMs: Date.now() - started,
      nodeVersion: process.version,
      connectionProfile: consortium.layout.connectionProfile,
      memberTokens: join(memberHomeOf(consortium.layout.root, '<org>'), 'orgs', '<org>', 'gateway', 'member-token'),
      logs: join(memberHomeOf(consortium.layout.root, '<org>'), 'logs'),
    }),
  );
}

async function status(consortium: Consortium): Promise<void> {
  const network = await consortium.status();
  const organisations = await describeServices(consortium.connectionProfile(), consortium.layout.connectionProfile);
  process.stdout.write(`${JSON.stringify({ ...network, organisations }, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
