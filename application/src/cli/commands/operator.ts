import { join } from 'node:path';
import { Consortium, FabricHome, loadTopology, projectRoot } from '@isl/network';

/**
 * The running consortium as npm start built it (topology, run folder, Fabric
 * binaries), for operator and auditor commands that act through the peer CLI
 * as an organisation's admin. Same environment as npm start: ISL_TOPOLOGY,
 * ISL_BASE_PORT, ISL_RUN_DIR.
 */
export function operatorConsortium(env: NodeJS.ProcessEnv = process.env): Consortium {
  const topology = loadTopology(
    env.ISL_TOPOLOGY ?? join(projectRoot, 'test-network-config', 'topology.yaml'),
    env.ISL_BASE_PORT ? Number.parseInt(env.ISL_BASE_PORT, 10) : undefined,
  );
  return new Consortium({ topology, fabric: FabricHome.locate(), runDir: env.ISL_RUN_DIR ?? join(projectRoot, '.run', 'consortium') });
}
