import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project's root folder (the one with test-network-config/). */
export const projectRoot = resolve(__dirname, '..', '..');

/**
 * The cached Fabric build: bin/ (peer, orderer, ...), builders/ccaas, config/
 * (Fabric's default core.yaml and orderer.yaml). scripts/fabric/build.sh
 * builds it once and prints its folder.
 */
export class FabricHome {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  static locate(): FabricHome {
    const fromEnv = process.env.ISL_FABRIC_HOME;
    const root =
      fromEnv !== undefined && fromEnv !== ''
        ? fromEnv
        : execFileSync('bash', [join(projectRoot, 'scripts', 'fabric', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    if (!existsSync(join(root, '.complete'))) {
      throw new Error(`no complete Fabric build at ${root}: run scripts/fabric/build.sh`);
    }
    return new FabricHome(root);
  }

  bin(name: 'peer' | 'orderer' | 'configtxgen' | 'configtxlator' | 'osnadmin' | 'fabric-ca-server' | 'fabric-ca-client'): string {
    return join(this.root, 'bin', name);
  }

  get ccaasBuilder(): string {
    return join(this.root, 'builders', 'ccaas');
  }

  get defaultConfig(): string {
    return join(this.root, 'config');
  }
}
