import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { FabricHome } from '../fabric-home';

/**
 * Writes the network's core.yaml and orderer.yaml: Fabric's own defaults from the
 * pinned release, with what must differ in the file (lists of objects are not
 * settable from the environment); everything per node is set through
 * CORE_... and ORDERER_... variables (see peer.ts, orderer.ts).
 */
export function writeNodeConfig(fabric: FabricHome, configDir: string, tlsCaCerts: readonly string[]): void {
  mkdirSync(configDir, { recursive: true });
  const core = parseDocument(readFileSync(join(fabric.defaultConfig, 'core.yaml'), 'utf8'));
  // Chaincode runs as a service (ccaas); no Docker daemon is involved.
  core.setIn(['chaincode', 'externalBuilders'], [
    { name: 'ccaas', path: fabric.ccaasBuilder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] },
  ]);
  core.setIn(['vm', 'endpoint'], '');
  // The proposal's timestamp must be within this window of the peer's clock
  // (Fabric's default, stated here because the product relies on it).
  core.setIn(['peer', 'authentication', 'timewindow'], '15m');
  // Mutual TLS: peers accept clients whose TLS certificates any member's CA issued.
  core.setIn(['peer', 'tls', 'clientRootCAs', 'files'], [...tlsCaCerts]);
  writeFileSync(join(configDir, 'core.yaml'), core.toString());
  copyFileSync(join(fabric.defaultConfig, 'orderer.yaml'), join(configDir, 'orderer.yaml'));
}
