import { join } from 'node:path';
import { connectGateway, Consortium, FabricHome, loadTopology, organisationOf, projectRoot } from '@isl/network';
import { getTestConsortium, setTestConsortium, setTestNetwork, type OrgConnection, type TestNetwork } from '@isl/network/testing';
import { ApplicationServices } from '../services/application-services';

/**
 * Mocha global fixtures for the integration suite: one fresh network per test
 * run, on ports apart from `npm start`'s (ISL_TEST_BASE_PORT, default 17000),
 * in its own run folder, torn down at the end. It lives at the top (the application
 * package) because it starts the application services too; the network and chaincode
 * tests reach the consortium through `@isl/network/testing`, which it fills.
 */
let services: ApplicationServices | undefined;

/** The test network's application services (each organisation's gateway application). */
export function getTestServices(): ApplicationServices {
  if (!services) {
    throw new Error('the integration root hooks have not started the application services');
  }
  return services;
}

export async function mochaGlobalSetup(): Promise<void> {
  const basePort = Number.parseInt(process.env.ISL_TEST_BASE_PORT ?? '17000', 10);
  const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'), basePort);
  // One run folder per base port, so test runs on different ports never share state.
  const runDir = join(projectRoot, '.run', `test-${String(basePort)}`);
  const log = (m: string): void => {
    process.stdout.write(`  [test network] ${m}\n`);
  };
  const consortium = new Consortium({ topology, fabric: FabricHome.locate(), runDir, log });
  setTestConsortium(consortium);
  // A fresh network: whatever a previous, interrupted run left is wiped.
  await consortium.reset();
  const started = Date.now();
  try {
    await consortium.up();
    services = new ApplicationServices({ consortium, log });
    await services.up();
  } catch (err) {
    // Mocha skips global teardown when setup fails: stop what did start, so nothing is left running.
    await consortium.stop();
    throw err;
  }
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s on ports ${String(basePort)}+`);
  const profile = consortium.connectionProfile();
  const network: TestNetwork = {
    channelName: topology.channel,
    chaincodeName: topology.chaincode.name,
    organisations: topology.organisations.map((o) => o.mspId),
    connect: (mspId: string): Promise<OrgConnection> => {
      const conn = connectGateway({ org: organisationOf(profile, mspId) });
      const net = conn.gateway.getNetwork(topology.channel);
      return Promise.resolve({
        mspId,
        gateway: conn.gateway,
        network: net,
        contract: net.getContract(topology.chaincode.name),
        close: () => {
          conn.close();
        },
      });
    },
  };
  setTestNetwork(network);
}

export async function mochaGlobalTeardown(): Promise<void> {
  setTestNetwork(undefined);
  // Stopped, not wiped: its logs stay for whoever reads a failure (the next run wipes it).
  if (process.env.ISL_KEEP_TEST_NETWORK !== '1') {
    await getTestConsortium().stop();
  }
}
