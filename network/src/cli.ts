#!/usr/bin/env node
import { join } from 'node:path';
import { Consortium } from './consortium';
import { FabricHome, projectRoot } from './fabric-home';
import { loadTopology } from './topology/topology';
import { address } from './topology/topology';

/** The network's commands behind npm start / stop / reset / status. */
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
    case 'up': {
      const started = Date.now();
      const c = consortium();
      await c.up();
      const s = await c.status();
      process.stdout.write(`\nThe consortium is up (${((Date.now() - started) / 1000).toFixed(1)} s). Channel ${topology.channel}, chaincode ${topology.chaincode.name}.\n\n`);
      for (const org of topology.organisations) {
        process.stdout.write(`${org.mspId} — ${org.description}\n`);
        process.stdout.write(`  CA            https://${address(org.ca.endpoint)}\n`);
        const o = s.orderers.find((x) => x.org === org.mspId);
        process.stdout.write(`  orderer       ${address(org.orderer.endpoint)} (admin ${address(org.orderer.admin)})${o?.leader ? '  Raft leader' : ''}\n`);
        for (const p of org.peers) {
          process.stdout.write(`  ${p.name.padEnd(13)} ${address(p.endpoint)} (operations http://${address(p.operations)})\n`);
        }
      }
      process.stdout.write(`\nConnection profile: ${c.layout.connectionProfile}\nLogs: ${c.layout.logs}\nStatus: npm run --silent status    Stop: npm stop    Wipe: npm run reset\n`);
      return;
    }
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
      throw new Error(`usage: cli.js up|stop|reset|status (got ${String(command)})`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
