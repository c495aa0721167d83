import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../fabric-home';
import { loadTopology } from '../topology/topology';
import { composeYaml } from './compose';

/** `npm run compose`: regenerates docker-compose.yaml from the topology. */
const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'));
writeFileSync(join(projectRoot, 'docker-compose.yaml'), composeYaml(topology));
process.stdout.write('wrote docker-compose.yaml\n');
