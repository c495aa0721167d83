#!/usr/bin/env node
import { join } from 'node:path';
import { Consortium } from '@isl/network/dist/consortium';
import { FabricHome, projectRoot } from '@isl/network/dist/fabric-home';
import { address, loadTopology } from '@isl/network/dist/topology/topology';
import { ApplicationServices } from './application-services';

/** npm start: the network, then every organisation's application services; prints what listens where. */
async function main(argv: readonly string[]): Promise<void> {
  const [command] = argv;
  if (command !== 'up') {
    throw new Error(`usage: main.js up (got ${String(command)})`);
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
  await consortium.up();
  const services = new ApplicationServices({ consortium, log });
  await services.up();
  const status = await consortium.status();
  const out: string[] = [`\nThe consortium is up (${((Date.now() - started) / 1000).toFixed(1)} s): channel ${topology.channel}, chaincode ${topology.chaincode.name}.\n`];
  for (const org of topology.organisations) {
    const leader = status.orderers.find((o) => o.org === org.mspId)?.leader === true ? '  (Raft leader)' : '';
    out.push(`${org.mspId} — ${org.description}`);
    out.push(`  gateway (REST)  ${services.gatewayUrl(org)}/api/v1   docs ${services.gatewayUrl(org)}/api/v1/docs`);
    out.push(`  CA              https://${address(org.ca.endpoint)}`);
    out.push(`  orderer         ${address(org.orderer.endpoint)}   admin ${address(org.orderer.admin)}${leader}`);
    for (const p of org.peers) {
      out.push(`  ${p.name.padEnd(15)} ${address(p.endpoint)}   operations http://${address(p.operations)}`);
    }
  }
  out.push('');
  out.push(`Connection profile: ${consortium.layout.connectionProfile}`);
  out.push(`Member token of each gateway: ${join(consortium.layout.root, 'orgs', '<org>', 'gateway', 'member-token')}`);
  out.push(`Logs: ${consortium.layout.logs}`);
  out.push('Next: npm run --silent status | npx isl --help | npm stop | npm run reset');
  process.stdout.write(`${out.join('\n')}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
