import type { Contract, Gateway, Network } from '@hyperledger/fabric-gateway';

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
 * root hooks (network/src/testing/root-hooks.ts) on ports apart from `npm start`'s.
 */
export interface TestNetwork {
  readonly channelName: string;
  readonly chaincodeName: string;
  /** MSP IDs of the member organisations, in topology order. */
  readonly organisations: readonly string[];
  /** Connects as the organisation's client identity (enrolled through its CA). */
  connect(mspId: string): Promise<OrgConnection>;
}

let current: TestNetwork | undefined;

export function setTestNetwork(network: TestNetwork | undefined): void {
  current = network;
}

/** The running test network; throws when the integration root hooks did not start one. */
export function testNetwork(): TestNetwork {
  if (current === undefined) {
    throw new Error('no test network: run integration tests with .mocharc.integration.json (its root hooks start the network)');
  }
  return current;
}
