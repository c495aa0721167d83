import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { FabricHome } from '../fabric-home';

/** The peer's chaincode keep-alive, in seconds; 0 = off (see writeNodeConfig). */
export const CHAINCODE_KEEPALIVE_SECONDS = 0;
/** How long the peer lets one chaincode invocation run (Fabric's default, stated). */
export const CHAINCODE_EXECUTE_TIMEOUT = '30s';
/** The most records one range query returns; beyond it the peer truncates silently (Fabric's default, stated). */
export const TOTAL_QUERY_LIMIT = 100_000;

/**
 * Writes the network's core.yaml and orderer.yaml: Fabric's own defaults from the
 * pinned release, with what must differ in the file (lists of objects are not
 * settable from the environment); everything per node is set through
 * CORE_... and ORDERER_... variables (see peer.ts, orderer.ts).
 */
export function writeNodeConfig(
  fabric: FabricHome,
  configDir: string,
  tlsCaCerts: readonly string[],
  // The peer image's own ccaas builder (/opt/hyperledger/ccaas_builder) in a container.
  ccaasBuilder: string = fabric.ccaasBuilder,
): void {
  mkdirSync(configDir, { recursive: true });
  const core = parseDocument(readFileSync(join(fabric.defaultConfig, 'core.yaml'), 'utf8'));
  // Chaincode runs as a service (ccaas); no Docker daemon is involved.
  core.setIn(['chaincode', 'externalBuilders'], [{ name: 'ccaas', path: ccaasBuilder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] }]);
  core.setIn(['vm', 'endpoint'], '');
  // The proposal's timestamp must be within this window of the peer's clock
  // (Fabric's default, stated here because the product relies on it).
  core.setIn(['peer', 'authentication', 'timewindow'], '15m');
  // Keep-alive between peer and chaincode server stays OFF: fabric-shim 2.5.8 takes the
  // peer's KEEPALIVE message for an unknown one and exits (fixed in fabric-chaincode-node
  // PR #513, unreleased). Turn it on only with a shim that has that fix (docs/operations.md).
  core.setIn(['chaincode', 'keepalive'], CHAINCODE_KEEPALIVE_SECONDS);
  // Fabric 2.5.9's peer can crash when a transaction times out in the middle of a range
  // query (fabric#5048, fixed in 2.5.16); the chaincode's range reads are query-only and
  // bounded by totalQueryLimit, far inside this timeout (docs/operations.md). Both stated here.
  core.setIn(['chaincode', 'executetimeout'], CHAINCODE_EXECUTE_TIMEOUT);
  core.setIn(['ledger', 'state', 'totalQueryLimit'], TOTAL_QUERY_LIMIT);
  // Mutual TLS: peers accept clients whose TLS certificates any member's CA issued.
  core.setIn(['peer', 'tls', 'clientRootCAs', 'files'], [...tlsCaCerts]);
  writeFileSync(join(configDir, 'core.yaml'), core.toString());
  copyFileSync(join(fabric.defaultConfig, 'orderer.yaml'), join(configDir, 'orderer.yaml'));
}
