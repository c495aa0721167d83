import { stringify } from 'yaml';
import { address, type Organisation, type Topology } from '../topology/topology';

export const FABRIC_IMAGE_TAG = '2.5.9';
export const FABRIC_CA_IMAGE_TAG = '1.5.21';

/** One service of a docker-compose file (the keys this project writes). */
export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  container_name: string;
  command?: string | string[];
  user?: string;
  environment: Record<string, string>;
  ports: string[];
  volumes: string[];
  depends_on?: string[] | Record<string, { condition: 'service_healthy' }>;
  labels: Record<string, string>;
  restart?: 'unless-stopped';
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
}

/** Names a node's service and host name inside the compose network. */
const host = (name: string): string => name;

function caService(org: Organisation): Service {
  return {
    image: `hyperledger/fabric-ca:${FABRIC_CA_IMAGE_TAG}`,
    container_name: org.ca.name,
    command: `sh -c 'fabric-ca-server start -b registrar:\${ISL_CA_REGISTRAR_SECRET:?set ISL_CA_REGISTRAR_SECRET} --ca.name ${org.ca.name} --csr.cn ${org.ca.name} --csr.hosts ${org.ca.name},localhost'`,
    environment: {
      FABRIC_CA_HOME: '/etc/hyperledger/fabric-ca-server',
      FABRIC_CA_SERVER_PORT: String(org.ca.endpoint.port),
      FABRIC_CA_SERVER_TLS_ENABLED: 'true',
      FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: `0.0.0.0:${String(org.ca.operations.port)}`,
    },
    ports: [`${String(org.ca.endpoint.port)}:${String(org.ca.endpoint.port)}`],
    volumes: [`./.run/compose/orgs/${org.name}/ca:/etc/hyperledger/fabric-ca-server`],
    labels: { 'isl.org': org.mspId, 'isl.role': 'ca' },
  };
}

function ordererService(topology: Topology, org: Organisation): Service {
  const o = org.orderer;
  const tls = '/var/hyperledger/orderer/tls';
  const cas = `[${topology.organisations.map((x) => `/var/hyperledger/cas/${x.name}.pem`).join(',')}]`;
  return {
    image: `hyperledger/fabric-orderer:${FABRIC_IMAGE_TAG}`,
    container_name: o.name,
    environment: {
      FABRIC_LOGGING_SPEC: topology.logging,
      ORDERER_GENERAL_LISTENADDRESS: '0.0.0.0',
      ORDERER_GENERAL_LISTENPORT: String(o.endpoint.port),
      ORDERER_GENERAL_LOCALMSPID: o.mspId,
      ORDERER_GENERAL_LOCALMSPDIR: '/var/hyperledger/orderer/msp',
      ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
      ORDERER_GENERAL_TLS_ENABLED: 'true',
      ORDERER_GENERAL_TLS_CERTIFICATE: `${tls}/cert.pem`,
      ORDERER_GENERAL_TLS_PRIVATEKEY: `${tls}/key.pem`,
      ORDERER_GENERAL_TLS_ROOTCAS: cas,
      ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED: 'true',
      ORDERER_GENERAL_TLS_CLIENTROOTCAS: cas,
      ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: `${tls}/cert.pem`,
      ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: `${tls}/key.pem`,
      ORDERER_GENERAL_CLUSTER_ROOTCAS: cas,
      ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
      ORDERER_ADMIN_LISTENADDRESS: `0.0.0.0:${String(o.admin.port)}`,
      ORDERER_ADMIN_TLS_ENABLED: 'true',
      ORDERER_ADMIN_TLS_CERTIFICATE: `${tls}/cert.pem`,
      ORDERER_ADMIN_TLS_PRIVATEKEY: `${tls}/key.pem`,
      ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
      ORDERER_ADMIN_TLS_CLIENTROOTCAS: cas,
      ORDERER_OPERATIONS_LISTENADDRESS: `0.0.0.0:${String(o.operations.port)}`,
      ORDERER_METRICS_PROVIDER: 'prometheus',
    },
    ports: [o.endpoint, o.admin, o.operations].map((e) => `${String(e.port)}:${String(e.port)}`),
    volumes: [
      `./.run/compose/orgs/${org.name}/identities/${o.name}/msp:/var/hyperledger/orderer/msp`,
      `./.run/compose/orgs/${org.name}/identities/${o.name}/tls:${tls}`,
      './.run/compose/cas:/var/hyperledger/cas',
      `${o.name}:/var/hyperledger/production/orderer`,
    ],
    depends_on: [org.ca.name],
    labels: { 'isl.org': o.mspId, 'isl.role': 'orderer', 'isl.consenter': 'true' },
  };
}

function peerServices(topology: Topology, org: Organisation): Record<string, Service> {
  const services: Record<string, Service> = {};
  for (const p of org.peers) {
    const sibling = org.peers.find((x) => x.name !== p.name) ?? p;
    const tls = '/etc/hyperledger/fabric/tls';
    services[p.name] = {
      image: `hyperledger/fabric-peer:${FABRIC_IMAGE_TAG}`,
      container_name: p.name,
      environment: {
        FABRIC_LOGGING_SPEC: topology.logging,
        CORE_PEER_ID: p.name,
        CORE_PEER_ADDRESS: `${host(p.name)}:${String(p.endpoint.port)}`,
        CORE_PEER_LISTENADDRESS: `0.0.0.0:${String(p.endpoint.port)}`,
        CORE_PEER_CHAINCODEADDRESS: `${host(p.name)}:${String(p.chaincodeCallback.port)}`,
        CORE_PEER_CHAINCODELISTENADDRESS: `0.0.0.0:${String(p.chaincodeCallback.port)}`,
        CORE_PEER_GOSSIP_BOOTSTRAP: `${host(sibling.name)}:${String(sibling.endpoint.port)}`,
        CORE_PEER_GOSSIP_EXTERNALENDPOINT: `${host(p.name)}:${String(p.endpoint.port)}`,
        CORE_PEER_LOCALMSPID: p.mspId,
        CORE_PEER_MSPCONFIGPATH: '/etc/hyperledger/fabric/msp',
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_CERT_FILE: `${tls}/cert.pem`,
        CORE_PEER_TLS_KEY_FILE: `${tls}/key.pem`,
        CORE_PEER_TLS_ROOTCERT_FILE: `${tls}/ca.pem`,
        CORE_PEER_TLS_CLIENTAUTHREQUIRED: 'true',
        CORE_PEER_TLS_CLIENTCERT_FILE: `${tls}/cert.pem`,
        CORE_PEER_TLS_CLIENTKEY_FILE: `${tls}/key.pem`,
        CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
        CORE_OPERATIONS_LISTENADDRESS: `0.0.0.0:${String(p.operations.port)}`,
        CORE_METRICS_PROVIDER: 'prometheus',
        CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: JSON.stringify({ address: `chaincode.${p.name}:${String(p.chaincodeServer.port)}` }),
      },
      ports: [p.endpoint, p.operations].map((e) => `${String(e.port)}:${String(e.port)}`),
      volumes: [
        `./.run/compose/orgs/${org.name}/identities/${p.name}/msp:/etc/hyperledger/fabric/msp`,
        `./.run/compose/orgs/${org.name}/identities/${p.name}/tls:${tls}`,
        `${p.name}:/var/hyperledger/production`,
      ],
      depends_on: [org.orderer.name],
      labels: { 'isl.org': p.mspId, 'isl.role': 'peer' },
    };
    services[`chaincode.${p.name}`] = {
      build: { context: '.', dockerfile: 'chaincode/Dockerfile' },
      container_name: `chaincode.${p.name}`,
      environment: {
        CHAINCODE_SERVER_ADDRESS: `0.0.0.0:${String(p.chaincodeServer.port)}`,
        ISL_CHAINCODE_NAME: topology.chaincode.name,
        // Known once the organisation installed its package (peer lifecycle chaincode install).
        CHAINCODE_ID: `\${ISL_PACKAGE_ID_${org.name.toUpperCase()}:?set to ${org.name}'s chaincode package ID}`,
      },
      ports: [],
      volumes: [`./.run/compose/orgs/${org.name}/identities/chaincode.${p.name}/tls:/etc/isl/tls`],
      labels: { 'isl.org': p.mspId, 'isl.role': 'chaincode', 'isl.peer': p.name },
    };
  }
  return services;
}

/**
 * docker-compose.yaml for deployments that have Docker, generated from the
 * same topology as the local network: Fabric's official images of the pinned
 * release plus a chaincode image built from this repository.
 */
export function composeYaml(topology: Topology): string {
  const services: Record<string, Service> = {};
  const volumes: Record<string, null> = {};
  for (const org of topology.organisations) {
    services[org.ca.name] = caService(org);
    services[org.orderer.name] = ordererService(topology, org);
    volumes[org.orderer.name] = null;
    for (const [name, s] of Object.entries(peerServices(topology, org))) {
      services[name] = s;
      if (s.image) {
        volumes[name] = null;
      }
    }
  }
  const header = [
    '# Generated from test-network-config/topology.yaml by `npm run compose` — do not edit by hand;',
    '# a unit test checks that this file and the topology agree.',
    "# For hosts with Docker (this project's own machines have none): crypto material",
    "# enrolled through each organisation's CA is expected under ./.run/compose/, and the",
    `# channel "${topology.channel}" is created through each orderer's admin endpoint (osnadmin),`,
    '# exactly as `npm start` does locally.',
    `# Orderer endpoints: ${topology.organisations.map((o) => address(o.orderer.endpoint)).join(', ')}`,
    '',
  ].join('\n');
  return header + stringify({ version: '3.8', services, volumes }, { lineWidth: 0 });
}
