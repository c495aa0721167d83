import { createServer } from 'node:net';
import { address, type Endpoint, type Topology } from './topology';

/** Every endpoint the topology's nodes and services listen on, with the node it belongs to. */
export function endpointsOf(t: Topology): { readonly owner: string; readonly endpoint: Endpoint }[] {
  return t.organisations.flatMap((o) => [
    { owner: o.ca.name, endpoint: o.ca.endpoint },
    { owner: `${o.ca.name} operations`, endpoint: o.ca.operations },
    { owner: o.orderer.name, endpoint: o.orderer.endpoint },
    { owner: `${o.orderer.name} admin`, endpoint: o.orderer.admin },
    { owner: `${o.orderer.name} operations`, endpoint: o.orderer.operations },
    ...o.peers.flatMap((p) => [
      { owner: p.name, endpoint: p.endpoint },
      { owner: `${p.name} chaincode callback`, endpoint: p.chaincodeCallback },
      { owner: `${p.name} operations`, endpoint: p.operations },
      { owner: `chaincode.${p.name}`, endpoint: p.chaincodeServer },
    ]),
    { owner: `gateway.${o.name}`, endpoint: o.gateway },
    { owner: `image-source.${o.name}`, endpoint: o.imageSource },
    { owner: `orthanc.${o.name}`, endpoint: o.orthancHttp },
    { owner: `orthanc.${o.name} DICOM`, endpoint: o.orthancDicom },
  ]);
}

function free(e: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(e.port, e.host, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * Fails fast, naming the port and its node, when something else already
 * listens where a node of this network is about to start (e.g. a network left
 * running from another folder).
 */
export async function assertPortsFree(t: Topology): Promise<void> {
  const busy: string[] = [];
  for (const { owner, endpoint } of endpointsOf(t)) {
    if (!(await free(endpoint))) {
      busy.push(`${address(endpoint)} (${owner})`);
    }
  }
  if (busy.length > 0) {
    throw new Error(
      `ports this network needs are in use by other processes: ${busy.join(', ')}. Stop whatever holds them (another network?), or move this one with ISL_BASE_PORT / ISL_TEST_BASE_PORT.`,
    );
  }
}
