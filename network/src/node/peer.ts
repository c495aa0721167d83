import { mkdirSync } from 'node:fs';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { IdentityFiles } from '../ca/identity';
import { nodeIdentities, type NodeContext } from './node-context';
import { address, type Endpoint, type PeerNode } from '../topology/topology';
import { getOperations, healthy, metricValue } from './operations';
import { run } from '../process/run';

/** Where a peer runs: its bootstrap sibling, identity, ledger folder, and the host it listens on. */
export interface PeerPlacement {
  readonly node: PeerNode;
  readonly sibling: PeerNode;
  readonly tls: IdentityFiles;
  readonly data: string;
  readonly logging: string;
  /** Default: the node's own address; 0.0.0.0 in a container, whose published ports carry that address. */
  readonly listenHost?: string;
}

/**
 * The peer's CORE_... settings: the same for a process on the member's host
 * and for its container (which sees the same paths, mounted).
 */
export function peerEnvironment({ node, sibling, tls, data, logging, listenHost = node.endpoint.host }: PeerPlacement): Record<string, string> {
  const listen = (e: Endpoint): string => `${listenHost}:${String(e.port)}`;
  return {
    FABRIC_LOGGING_SPEC: logging,
    CORE_PEER_ID: node.name,
    CORE_PEER_ADDRESS: address(node.endpoint),
    CORE_PEER_LISTENADDRESS: listen(node.endpoint),
    CORE_PEER_CHAINCODEADDRESS: address(node.chaincodeCallback),
    CORE_PEER_CHAINCODELISTENADDRESS: listen(node.chaincodeCallback),
    CORE_PEER_GOSSIP_BOOTSTRAP: address(sibling.endpoint),
    CORE_PEER_GOSSIP_ENDPOINT: address(node.endpoint),
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: address(node.endpoint),
    CORE_PEER_LOCALMSPID: node.mspId,
    CORE_PEER_MSPCONFIGPATH: tls.msp,
    CORE_PEER_FILESYSTEMPATH: data,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: tls.tlsCert,
    CORE_PEER_TLS_KEY_FILE: tls.tlsKey,
    CORE_PEER_TLS_ROOTCERT_FILE: tls.tlsCa,
    CORE_PEER_TLS_CLIENTAUTHREQUIRED: 'true',
    CORE_PEER_TLS_CLIENTCERT_FILE: tls.tlsCert,
    CORE_PEER_TLS_CLIENTKEY_FILE: tls.tlsKey,
    CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    CORE_OPERATIONS_LISTENADDRESS: listen(node.operations),
    CORE_METRICS_PROVIDER: 'prometheus',
    CORE_PEER_GATEWAY_ENABLED: 'true',
    // Fills connection.json's {{.address}}: each peer dials its own chaincode server.
    CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: JSON.stringify({ address: address(node.chaincodeServer) }),
  };
}

/** A peer: LevelDB state, gateway service on, mutual TLS, blocks pulled from the orderers. */
export class Peer {
  readonly node: PeerNode;
  readonly #fabric: FabricHome;
  readonly #layout: Layout;
  readonly #topology: NodeContext['topology'];
  readonly #supervisor: Supervisor;
  /** Its own TLS and MSP identity, and its organisation admin's (CLI and admin-API calls). */
  readonly tls: IdentityFiles;
  readonly admin: IdentityFiles;

  constructor(context: NodeContext, node: PeerNode) {
    this.#fabric = context.fabric;
    this.#layout = context.layout;
    this.#topology = context.topology;
    this.#supervisor = context.supervisor;
    this.node = node;
    ({ tls: this.tls, admin: this.admin } = nodeIdentities(context.layout, node));
  }

  start(): void {
    const org = this.#topology.organisations.find((o) => o.name === this.node.org);
    // Gossip inside the organisation: a peer bootstraps from its sibling.
    const sibling = org?.peers.find((p) => p.name !== this.node.name) ?? this.node;
    const data = this.#layout.nodeData(this.node.name);
    mkdirSync(data, { recursive: true });
    this.#supervisor.start({
      name: this.node.name,
      command: this.#fabric.bin('peer'),
      args: ['node', 'start'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        FABRIC_CFG_PATH: this.#layout.config,
        ...peerEnvironment({ node: this.node, sibling, tls: this.tls, data, logging: this.#topology.logging }),
      },
    });
  }

  async healthy(): Promise<boolean> {
    return healthy(this.node.operations);
  }

  /** Ledger height on the channel, from the peer's own metrics; undefined before it joined. */
  async height(channel: string): Promise<number | undefined> {
    const { body } = await getOperations(this.node.operations, '/metrics');
    return metricValue(body, 'ledger_blockchain_height', { channel });
  }

  /** How many other peers this peer's gossip knows on the channel (discovery answers from this view). */
  async knownPeers(channel: string): Promise<number> {
    const { body } = await getOperations(this.node.operations, '/metrics');
    return metricValue(body, 'gossip_membership_total_peers_known', { channel }) ?? 0;
  }

  /** Environment for the peer CLI acting as this organisation's admin against this peer. */
  adminEnv(): Record<string, string> {
    const admin = this.admin;
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      FABRIC_CFG_PATH: this.#layout.config,
      FABRIC_LOGGING_SPEC: 'WARN',
      CORE_PEER_ADDRESS: address(this.node.endpoint),
      CORE_PEER_LOCALMSPID: this.node.mspId,
      CORE_PEER_MSPCONFIGPATH: admin.msp,
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_TLS_ROOTCERT_FILE: this.tls.tlsCa,
      CORE_PEER_TLS_CLIENTAUTHREQUIRED: 'true',
      CORE_PEER_TLS_CLIENTCERT_FILE: admin.tlsCert,
      CORE_PEER_TLS_CLIENTKEY_FILE: admin.tlsKey,
    };
  }

  /** Runs the peer CLI as the organisation's admin against this peer. */
  async cli(args: readonly string[], timeoutMs = 120_000, logging?: string): Promise<string> {
    const env = logging === undefined ? this.adminEnv() : { ...this.adminEnv(), FABRIC_LOGGING_SPEC: logging };
    const { stdout, stderr } = await run(this.#fabric.bin('peer'), args, { env, timeoutMs });
    return `${stdout}${stderr}`;
  }

  async joinChannel(genesisBlock: string, channel: string): Promise<void> {
    if ((await this.height(channel)) !== undefined) {
      return;
    }
    await this.cli(['channel', 'join', '-b', genesisBlock]);
  }
}
