import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAnswer } from '@isl/platform';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { IdentityFiles } from '../ca/identity';
import { nodeIdentities, type NodeContext } from './node-context';
import { address, type Endpoint, type OrdererNode } from '../topology/topology';
import { getOperations, healthy, metricValue } from './operations';
import { run } from '../process/run';

export interface OrdererChannelInfo {
  readonly name: string;
  readonly status: string;
  readonly consensusRelation: string;
  readonly height: number;
}

/** Where an orderer runs: its identity, ledger folder, the TLS CAs it trusts, and the host it listens on. */
export interface OrdererPlacement {
  readonly node: OrdererNode;
  readonly tls: IdentityFiles;
  readonly data: string;
  readonly tlsCaCerts: readonly string[];
  readonly logging: string;
  /** Default: the node's own address; 0.0.0.0 in a container, whose published ports carry that address. */
  readonly listenHost?: string;
}

/**
 * The orderer's ORDERER_... settings: the same for a process on the member's
 * host and for its container (which sees the same paths, mounted).
 */
export function ordererEnvironment({ node, tls, data, tlsCaCerts, logging, listenHost = node.endpoint.host }: OrdererPlacement): Record<string, string> {
  const listen = (e: Endpoint): string => `${listenHost}:${String(e.port)}`;
  const allTlsCas = `[${tlsCaCerts.join(',')}]`;
  return {
    FABRIC_LOGGING_SPEC: logging,
    ORDERER_GENERAL_LISTENADDRESS: listenHost,
    ORDERER_GENERAL_LISTENPORT: String(node.endpoint.port),
    ORDERER_GENERAL_LOCALMSPID: node.mspId,
    ORDERER_GENERAL_LOCALMSPDIR: tls.msp,
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_CERTIFICATE: tls.tlsCert,
    ORDERER_GENERAL_TLS_PRIVATEKEY: tls.tlsKey,
    ORDERER_GENERAL_TLS_ROOTCAS: allTlsCas,
    ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_GENERAL_TLS_CLIENTROOTCAS: allTlsCas,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls.tlsCert,
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls.tlsKey,
    ORDERER_GENERAL_CLUSTER_ROOTCAS: allTlsCas,
    ORDERER_FILELEDGER_LOCATION: join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: join(data, 'etcdraft', 'snapshot'),
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: listen(node.admin),
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: tls.tlsCert,
    ORDERER_ADMIN_TLS_PRIVATEKEY: tls.tlsKey,
    ORDERER_ADMIN_TLS_ROOTCAS: allTlsCas,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: allTlsCas,
    ORDERER_OPERATIONS_LISTENADDRESS: listen(node.operations),
    ORDERER_METRICS_PROVIDER: 'prometheus',
  };
}

/** One organisation's Raft orderer node: mutual TLS on its client, cluster and admin endpoints. */
export class Orderer {
  readonly node: OrdererNode;
  readonly #fabric: FabricHome;
  readonly #layout: Layout;
  readonly #topology: NodeContext['topology'];
  readonly #tlsCaCerts: readonly string[];
  readonly #supervisor: Supervisor;
  /** Its own TLS and MSP identity, and its organisation admin's (CLI and admin-API calls). */
  readonly tls: IdentityFiles;
  readonly admin: IdentityFiles;

  constructor(context: NodeContext, node: OrdererNode) {
    this.#fabric = context.fabric;
    this.#layout = context.layout;
    this.#topology = context.topology;
    this.#tlsCaCerts = context.tlsCaCerts ?? context.topology.organisations.map((o) => context.layout.caCert(o.name));
    this.#supervisor = context.supervisor;
    this.node = node;
    ({ tls: this.tls, admin: this.admin } = nodeIdentities(context.layout, node));
  }

  start(): void {
    const data = this.#layout.nodeData(this.node.name);
    mkdirSync(data, { recursive: true });
    this.#supervisor.start({
      name: this.node.name,
      command: this.#fabric.bin('orderer'),
      args: [],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        FABRIC_CFG_PATH: this.#layout.config,
        ...ordererEnvironment({ node: this.node, tls: this.tls, data, tlsCaCerts: this.#tlsCaCerts, logging: this.#topology.logging }),
      },
    });
  }

  async healthy(): Promise<boolean> {
    return healthy(this.node.operations);
  }

  /** Joins the channel through the channel participation API (osnadmin), as its organisation's admin. */
  async join(genesisBlock: string, channel: string): Promise<void> {
    const existing = await this.channelInfo(channel).catch(() => undefined);
    if (existing) {
      return;
    }
    const admin = this.admin;
    await run(this.#fabric.bin('osnadmin'), [
      'channel',
      'join',
      '--channelID',
      channel,
      '--config-block',
      genesisBlock,
      '-o',
      address(this.node.admin),
      '--ca-file',
      this.tls.tlsCa,
      '--client-cert',
      admin.tlsCert,
      '--client-key',
      admin.tlsKey,
    ]);
  }

  /** The channel as this node's admin API reports it; rejects when the node does not have it. */
  async channelInfo(channel: string): Promise<OrdererChannelInfo> {
    const admin = this.admin;
    const path = `/participation/v1/channels/${encodeURIComponent(channel)}`;
    const answer = await fetchAnswer(`https://${this.node.admin.host}:${String(this.node.admin.port)}${path}`, {
      ca: readFileSync(this.tls.tlsCa),
      cert: readFileSync(admin.tlsCert),
      key: readFileSync(admin.tlsKey),
      timeoutMs: 3_000,
    });
    const body = answer.body.toString('utf8');
    if (answer.status !== 200) {
      throw new Error(`${this.node.name}: channel ${channel}: HTTP ${String(answer.status)} ${body}`);
    }
    return JSON.parse(body) as OrdererChannelInfo;
  }

  /** Whether this node is the channel's Raft leader (etcdraft's is_leader gauge). */
  async isLeader(channel: string): Promise<boolean> {
    const { body } = await getOperations(this.node.operations, '/metrics');
    return metricValue(body, 'consensus_etcdraft_is_leader', { channel }) === 1;
  }
}
