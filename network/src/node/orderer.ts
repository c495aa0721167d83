import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAnswer } from '@isl/platform';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { IdentityFiles } from '../ca/identity';
import { nodeIdentities, type NodeContext } from './node-context';
import { address, type OrdererNode } from '../topology/topology';
import { getOperations, healthy, metricValue } from './operations';
import { run } from '../process/run';

export interface OrdererChannelInfo {
  readonly name: string;
  readonly status: string;
  readonly consensusRelation: string;
  readonly height: number;
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
    const tls = this.tls;
    const data = this.#layout.nodeData(this.node.name);
    mkdirSync(data, { recursive: true });
    const allTlsCas = `[${this.#tlsCaCerts.join(',')}]`;
    this.#supervisor.start({
      name: this.node.name,
      command: this.#fabric.bin('orderer'),
      args: [],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        FABRIC_CFG_PATH: this.#layout.config,
        FABRIC_LOGGING_SPEC: this.#topology.logging,
        ORDERER_GENERAL_LISTENADDRESS: this.node.endpoint.host,
        ORDERER_GENERAL_LISTENPORT: String(this.node.endpoint.port),
        ORDERER_GENERAL_LOCALMSPID: this.node.mspId,
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
        ORDERER_ADMIN_LISTENADDRESS: address(this.node.admin),
        ORDERER_ADMIN_TLS_ENABLED: 'true',
        ORDERER_ADMIN_TLS_CERTIFICATE: tls.tlsCert,
        ORDERER_ADMIN_TLS_PRIVATEKEY: tls.tlsKey,
        ORDERER_ADMIN_TLS_ROOTCAS: allTlsCas,
        ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
        ORDERER_ADMIN_TLS_CLIENTROOTCAS: allTlsCas,
        ORDERER_OPERATIONS_LISTENADDRESS: address(this.node.operations),
        ORDERER_METRICS_PROVIDER: 'prometheus',
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
