#!/usr/bin/env node
import { join } from 'node:path';
import { Consortium } from './consortium';
import { FabricHome, projectRoot } from './fabric-home';
import { loadTopology } from './topology/topology';

/** The network's commands behind npm stop / reset / status (npm start is application/src/services/main.ts). */
async function main(argv: readonly string[]): Promise<void> {
  const [command] = argv;
  const topologyFile = process.env.ISL_TOPOLOGY ?? join(projectRoot, 'test-network-config', 'topology.yaml');
  const basePort = process.env.ISL_BASE_PORT ? Number.parseInt(process.env.ISL_BASE_PORT, 10) : undefined;
  const topology = loadTopology(topologyFile, basePort);
  const runDir = process.env.ISL_RUN_DIR ?? join(projectRoot, '.run', 'consortium');
  const log = (m: string): void => {
    process.stderr.write(`[network] ${m}\n`);
  };
  const consortium = (): Consortium => new Consortium({ topology, fabric: FabricHome.locate(), runDir, log });
  switch (command) {
    case 'stop':
      await new Consortium({ topology, fabric: new FabricHome(''), runDir, log }).stop();
      log('stopped');
      return;
    case 'reset':
      await new Consortium({ topology, fabric: new FabricHome(''), runDir, log }).reset();
      log(`stopped and removed ${runDir}`);
      return;
    case 'status':
      process.stdout.write(`${JSON.stringify(await consortium().status(), null, 2)}\n`);
      return;
    default:
      throw new Error(`usage: cli.js stop|reset|status (npm start brings the network up: application/src/services/main.ts) (got ${String(command)})`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
