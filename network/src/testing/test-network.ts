import type { Contract, Gateway, Network } from '@hyperledger/fabric-gateway';
import type { Consortium } from '../consortium';

/** One organisation's client connection to the test network, through its own peer. */
export interface OrgConnection {
  readonly mspId: string;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  close(): void;
}

/**
 * The network the integration tests share: one per test run, brought up by the
 * root hooks (application/src/testing/root-hooks.ts) on ports apart from `npm start`'s.
 */
export interface TestNetwork {
  readonly channelName: string;
  readonly chaincodeName: string;
  /** MSP IDs of the member organisations, in topology order. */
  readonly organisations: readonly string[];
  /** Connects as the organisation's client identity (enrolled through its CA). */
  connect(mspId: string): Promise<OrgConnection>;
}

/**
 * Held on globalThis, not in a module variable: the root hooks fill it through the package's
 * face (dist/) while this package's own tests read it through src/, two copies of this module.
 */
interface Running {
  network?: TestNetwork;
  consortium?: Consortium;
}
const running: Running = ((globalThis as { [key: symbol]: Running | undefined })[Symbol.for('isl.test-network')] ??= {});

export function setTestNetwork(network: TestNetwork | undefined): void {
  running.network = network;
}

/** The running test network; throws when the integration root hooks did not start one. */
export function testNetwork(): TestNetwork {
  if (running.network === undefined) {
    throw new Error('no test network: run integration tests with .mocharc.integration.json (its root hooks start the network)');
  }
  return running.network;
}

export function setTestConsortium(consortium: Consortium | undefined): void {
  running.consortium = consortium;
}

/** The consortium the root hooks brought up (to stop, restart or inspect its nodes). */
export function getTestConsortium(): Consortium {
  if (running.consortium === undefined) {
    throw new Error('the integration root hooks have not started a network');
  }
  return running.consortium;
}
