import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { caServerEnvironment, caServerStartArgs } from '../ca/certificate-authority';
import { IdentityFiles } from '../ca/identity';
import { writeNodeConfig } from '../config/node-config';
import { projectRoot, type FabricHome } from '../fabric-home';
import { loadCharter } from '../member/charter';
import type { Member } from '../member/member';
import { MemberError } from '../member/member-error';
import { ordererEnvironment } from '../node/orderer';
import { peerEnvironment } from '../node/peer';
import { NetworkState } from '../state';
import { address, type Endpoint, type OrdererNode, type PeerNode } from '../topology/topology';
import { FABRIC_CA_IMAGE_TAG, FABRIC_IMAGE_TAG, type Service } from './compose';

/** Where Fabric's peer image keeps its own chaincode-as-a-service builder (same contract as network/ccaas-builder). */
export const imageCcaasBuilder = '/opt/hyperledger/ccaas_builder';

/** What every container listens on inside; its published ports carry the member's address. */
const anyHost = '0.0.0.0';

export interface MemberComposeOptions {
  readonly member: Member;
  /** Fabric's default core.yaml and orderer.yaml of the pinned release, the base of the nodes' configuration. */
  readonly fabric: FabricHome;
  /** The clone of this project the chaincode image is built from (public sources only). Default: this one. */
  readonly source?: string;
}

/** A bind mount of a folder or file of the home, at the same path inside the container (so one configuration serves both). */
const bind = (path: string, mode: 'ro' | 'rw'): string => `${path}:${path}:${mode}`;

/** Published on the member's address only, like its processes listen. */
const publish = (e: Endpoint): string => `${address(e)}:${String(e.port)}`;

/** GET /healthz on a Fabric operations port, with bash alone (the official images carry no curl or wget). */
function operationsHealthcheck(port: number): NonNullable<Service['healthcheck']> {
  const probe = `exec 3<>/dev/tcp/127.0.0.1/${String(port)} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`;
  return { test: ['CMD', 'bash', '-c', probe], interval: '10s', timeout: '5s', retries: 6, start_period: '30s' };
}

/**
 * One member's own docker-compose.yaml, from its home: its CA, orderer, peers
 * and (once it installed the chaincode) their chaincode servers, on Fabric's
 * official images of the release this project builds. Every volume is a folder
 * or file of this home, mounted at the same path, so the containers read the
 * very configuration and identities `member start` uses; nothing of another
 * member but the public certificates of the bundles it holds.
 */
export class MemberCompose {
  readonly #member: Member;
  readonly #fabric: FabricHome;
  readonly #source: string;

  constructor(options: MemberComposeOptions) {
    this.#member = options.member;
    this.#fabric = options.fabric;
    this.#source = options.source ?? projectRoot;
  }

  /** The compose file, in the home. */
  get file(): string {
    return join(this.#member.home.root, 'docker-compose.yaml');
  }

  /** core.yaml and orderer.yaml for the containers (the image's ccaas builder instead of the host's). */
  get configDir(): string {
    return join(this.#member.home.root, 'compose', 'config');
  }

  /** Writes the nodes' configuration and the compose file; refuses a home whose init has not finished. */
  write(): string {
    const { home } = this.#member;
    if (!NetworkState.load(home.layout.state).isDone('crypto')) {
      throw new MemberError('MEMBER_NOT_INITIALISED', `${home.root}: init has not finished (no identities enrolled yet): run init for this home first`);
    }
    if (/[:$]/.test(home.root)) {
      throw new MemberError('MEMBER_CONFIG_INVALID', `${home.root}: a home for docker-compose must not contain ':' or '$' (they end or expand a volume path)`);
    }
    writeNodeConfig(this.#fabric, this.configDir, this.#member.trustedTlsCaCerts(), imageCcaasBuilder);
    // Bind sources must exist (Docker would create them as root-owned folders otherwise).
    for (const node of [this.#member.org.orderer, ...this.#member.org.peers]) {
      mkdirSync(home.layout.nodeData(node.name), { recursive: true });
    }
    writeFileSync(this.file, this.yaml());
    return this.file;
  }

  /** The compose file's text. */
  yaml(): string {
    const { org, config } = this.#member;
    const services: Record<string, Service> = { [org.ca.name]: this.#ca(), [org.orderer.name]: this.#orderer() };
    for (const p of org.peers) {
      services[p.name] = this.#peer(p);
    }
    const packageId = NetworkState.load(this.#member.home.layout.state).packageIds.get(org.name);
    if (packageId !== undefined) {
      for (const p of org.peers) {
        services[`chaincode.${p.name}`] = this.#chaincode(p, packageId);
      }
    }
    const header = [
      `# ${org.mspId}'s own services on ${config.address}, generated from its home by`,
      `# \`npm run member -- compose --home ${this.#member.home.root}\` — do not edit by hand; generate again after`,
      '# bundle-import (its nodes trust the TLS CAs of the bundles held) and after chaincode-approve (chaincode servers).',
      '',
    ].join('\n');
    return header + stringify({ version: '3.8', services }, { lineWidth: 0 });
  }

  #ca(): Service {
    const { org, home } = this.#member;
    const caHome = home.layout.caHome(org.name);
    return {
      image: `hyperledger/fabric-ca:${FABRIC_CA_IMAGE_TAG}`,
      container_name: org.ca.name,
      command: ['fabric-ca-server', ...caServerStartArgs(org, caHome, anyHost)],
      environment: { ...caServerEnvironment },
      ports: [org.ca.endpoint, org.ca.operations].map(publish),
      volumes: [bind(caHome, 'rw')],
      labels: { 'isl.org': org.mspId, 'isl.role': 'ca' },
      restart: 'unless-stopped',
      // /cainfo over TLS at the address its certificate names, checked against the CA's own certificate.
      healthcheck: {
        test: ['CMD', ...caInfoProbe(org.ca.endpoint, home.layout.caCert(org.name))],
        interval: '10s',
        timeout: '5s',
        retries: 6,
        start_period: '20s',
      },
    };
  }

  #orderer(): Service {
    const { org, config } = this.#member;
    const node = org.orderer;
    return this.#fabricNode(node, 'orderer', [node.endpoint, node.admin, node.operations], (tls, data, tlsCaCerts) =>
      ordererEnvironment({ node, tls, data, tlsCaCerts, logging: config.logging, listenHost: anyHost }),
    );
  }

  #peer(node: PeerNode): Service {
    const { org, config } = this.#member;
    // Gossip inside the organisation: a peer bootstraps from its sibling.
    const sibling = org.peers.find((p) => p.name !== node.name) ?? node;
    // core.yaml names the trusted TLS CAs (peer.tls.clientRootCAs.files).
    const service = this.#fabricNode(node, 'peer', [node.endpoint, node.operations], (tls, data) =>
      peerEnvironment({ node, sibling, tls, data, logging: config.logging, listenHost: anyHost }),
    );
    return { ...service, depends_on: { [org.orderer.name]: { condition: 'service_healthy' } } };
  }

  /**
   * What an orderer's and a peer's services share: the node's identity and
   * ledger folders, the trusted TLS CAs and the containers' configuration,
   * mounted; its ports on the member's address; /healthz on its operations port.
   */
  #fabricNode(
    node: OrdererNode | PeerNode,
    role: 'orderer' | 'peer',
    ports: readonly Endpoint[],
    environment: (tls: IdentityFiles, data: string, tlsCaCerts: readonly string[]) => Record<string, string>,
  ): Service {
    const { org, home } = this.#member;
    const tls = new IdentityFiles(home.layout.identity(org.name, node.name));
    const data = home.layout.nodeData(node.name);
    const tlsCaCerts = this.#member.trustedTlsCaCerts();
    return {
      image: `hyperledger/fabric-${role}:${FABRIC_IMAGE_TAG}`,
      container_name: node.name,
      environment: { FABRIC_CFG_PATH: this.configDir, ...environment(tls, data, tlsCaCerts) },
      ports: ports.map(publish),
      volumes: [bind(tls.dir, 'ro'), ...tlsCaCerts.map((f) => bind(f, 'ro')), bind(this.configDir, 'ro'), bind(data, 'rw')],
      labels: { 'isl.org': org.mspId, 'isl.role': role },
      restart: 'unless-stopped',
      healthcheck: operationsHealthcheck(node.operations.port),
    };
  }

  #chaincode(node: PeerNode, packageId: string): Service {
    const { org, home } = this.#member;
    const charter = loadCharter(home.charter);
    const tls = new IdentityFiles(home.layout.identity(org.name, `chaincode.${node.name}`));
    // The image runs as an unprivileged user: as the home's owner, who alone can read its keys.
    const owner = statSync(tls.tlsKey);
    const port = node.chaincodeServer.port;
    return {
      build: { context: this.#source, dockerfile: 'chaincode/Dockerfile' },
      image: `isl-chaincode:${charter.chaincode.version}`,
      container_name: `chaincode.${node.name}`,
      user: `${String(owner.uid)}:${String(owner.gid)}`,
      environment: { CHAINCODE_SERVER_ADDRESS: `${anyHost}:${String(port)}`, CHAINCODE_ID: packageId, ISL_CHAINCODE_NAME: charter.chaincode.name },
      ports: [publish(node.chaincodeServer)],
      // The image's server reads its TLS files from /etc/isl/tls (chaincode/Dockerfile).
      volumes: [`${join(tls.dir, 'tls')}:/etc/isl/tls:ro`],
      labels: { 'isl.org': org.mspId, 'isl.role': 'chaincode', 'isl.peer': node.name },
      restart: 'unless-stopped',
      healthcheck: {
        test: [
          'CMD',
          'node',
          '-e',
          `require('net').connect(${String(port)}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`,
        ],
        interval: '10s',
        timeout: '5s',
        retries: 6,
        start_period: '20s',
      },
    };
  }
}

/** The CA container's health probe: fabric-ca-client (in the image) fetches /cainfo, verifying the CA's TLS certificate. */
export function caInfoProbe(endpoint: Endpoint, caCert: string): string[] {
  return ['fabric-ca-client', 'getcainfo', '-u', `https://${address(endpoint)}`, '--tls.certfiles', caCert, '-H', '/tmp/isl-healthcheck'];
}
