import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const duration = z.string().regex(/^\d+(ms|s|m)$/, 'a duration such as 150ms, 2s or 1m');
const bytes = z.string().regex(/^\d+ (KB|MB)$/, 'a size such as 512 KB or 10 MB');

/** The channel's ordering parameters (batching, Raft timing). */
export const ordererSchema = z.strictObject({
  batchTimeout: duration,
  maxMessageCount: z.number().int().min(1),
  absoluteMaxBytes: bytes,
  preferredMaxBytes: bytes,
  raft: z.strictObject({ tickInterval: duration, electionTick: z.number().int().min(2), heartbeatTick: z.number().int().min(1) }),
});

/** One organisation as the consortium names it. */
export const organisationSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,30}$/),
  mspId: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/),
  description: z.string(),
  peers: z.number().int().min(1).max(3),
});

const topologySchema = z.strictObject({
  // Below Linux's ephemeral range (32768+), where outgoing connections could take our ports.
  basePort: z.number().int().min(1024).max(32_000),
  channel: z.string().regex(/^[a-z][a-z0-9.-]{0,248}$/),
  chaincode: z.strictObject({ name: z.string().regex(/^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/), version: z.string().min(1) }),
  orderer: ordererSchema,
  logging: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  organisations: z.array(organisationSchema).min(3, 'a Raft cluster that survives the loss of a node needs at least 3 organisations'),
});

export type TopologyFile = z.infer<typeof topologySchema>;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface CaNode {
  readonly name: string;
  readonly org: string;
  readonly endpoint: Endpoint;
  readonly operations: Endpoint;
}

export interface OrdererNode {
  readonly name: string;
  readonly org: string;
  readonly mspId: string;
  readonly endpoint: Endpoint;
  readonly admin: Endpoint;
  readonly operations: Endpoint;
}

export interface PeerNode {
  readonly name: string;
  readonly org: string;
  readonly mspId: string;
  readonly endpoint: Endpoint;
  readonly chaincodeCallback: Endpoint;
  readonly operations: Endpoint;
  readonly chaincodeServer: Endpoint;
}

export interface Organisation {
  readonly name: string;
  readonly mspId: string;
  readonly description: string;
  readonly ca: CaNode;
  readonly orderer: OrdererNode;
  readonly peers: readonly PeerNode[];
  readonly gateway: Endpoint;
  readonly imageSource: Endpoint;
  /** The image source's PACS (Orthanc): REST/DICOMweb over HTTP, loopback only. */
  readonly orthancHttp: Endpoint;
  /** Orthanc's DICOM listener (locked: no modality may store or query). */
  readonly orthancDicom: Endpoint;
}

export interface Topology {
  readonly channel: string;
  readonly chaincode: { readonly name: string; readonly version: string };
  readonly orderer: TopologyFile['orderer'];
  readonly logging: TopologyFile['logging'];
  readonly basePort: number;
  readonly organisations: readonly Organisation[];
}

const HOST = '127.0.0.1';

/** Expands the file's description into every node with its ports (rule in topology.yaml). */
export function expandTopology(file: TopologyFile, basePort: number = file.basePort): Topology {
  const highest = basePort + 100 * file.organisations.length - 1;
  if (!Number.isInteger(basePort) || basePort < 1024 || highest > 32_767) {
    throw new Error(
      `base port ${String(basePort)}: the network needs ${String(basePort)}–${String(highest)}, which must lie within 1024–32767 (above it is Linux's ephemeral range)`,
    );
  }
  const organisations = file.organisations.map((org, i): Organisation => organisationAt(org, basePort + 100 * i, HOST));
  const names = new Set(organisations.map((o) => o.mspId));
  if (names.size !== organisations.length) {
    throw new Error('topology: MSP IDs must be unique');
  }
  return {
    channel: file.channel,
    chaincode: file.chaincode,
    orderer: file.orderer,
    logging: file.logging,
    basePort,
    organisations,
  };
}

/**
 * One organisation's nodes and their ports, from `base` upwards (the rule in
 * topology.yaml), all on `host`: loopback for the local network, a member's
 * own address on its own host.
 */
export function organisationAt(org: TopologyFile['organisations'][number], base: number, host: string): Organisation {
  const at = (port: number): Endpoint => ({ host, port });
  return {
    name: org.name,
    mspId: org.mspId,
    description: org.description,
    ca: { name: `ca.${org.name}`, org: org.name, endpoint: at(base), operations: at(base + 1) },
    orderer: {
      name: `orderer.${org.name}`,
      org: org.name,
      mspId: org.mspId,
      endpoint: at(base + 10),
      admin: at(base + 11),
      operations: at(base + 12),
    },
    peers: Array.from({ length: org.peers }, (_, j): PeerNode => ({
      name: `peer${String(j)}.${org.name}`,
      org: org.name,
      mspId: org.mspId,
      endpoint: at(base + 20 + 10 * j),
      chaincodeCallback: at(base + 21 + 10 * j),
      operations: at(base + 22 + 10 * j),
      chaincodeServer: at(base + 23 + 10 * j),
    })),
    gateway: at(base + 50),
    imageSource: at(base + 60),
    orthancHttp: at(base + 61),
    orthancDicom: at(base + 62),
  };
}

/** The organisation with every node and service at `host` instead (the same ports): a member on a host of its own. */
export function organisationOnHost(org: Organisation, host: string): Organisation {
  const at = (e: Endpoint): Endpoint => ({ host, port: e.port });
  return {
    ...org,
    ca: { ...org.ca, endpoint: at(org.ca.endpoint), operations: at(org.ca.operations) },
    orderer: { ...org.orderer, endpoint: at(org.orderer.endpoint), admin: at(org.orderer.admin), operations: at(org.orderer.operations) },
    peers: org.peers.map((p) => ({
      ...p,
      endpoint: at(p.endpoint),
      chaincodeCallback: at(p.chaincodeCallback),
      operations: at(p.operations),
      chaincodeServer: at(p.chaincodeServer),
    })),
    gateway: at(org.gateway),
    imageSource: at(org.imageSource),
    orthancHttp: at(org.orthancHttp),
    orthancDicom: at(org.orthancDicom),
  };
}

export function parseTopology(text: string, source: string): TopologyFile {
  const result = topologySchema.safeParse(parse(text));
  if (!result.success) {
    throw new Error(`${source}: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function loadTopology(path: string, basePort?: number): Topology {
  const file = parseTopology(readFileSync(path, 'utf8'), path);
  return expandTopology(file, basePort);
}

export function address(e: Endpoint): string {
  return `${e.host}:${String(e.port)}`;
}

export function allPeers(t: Topology): PeerNode[] {
  return t.organisations.flatMap((o) => o.peers);
}
