import { join } from 'node:path';

/**
 * Where a running network keeps its files: one git-ignored folder per network
 * (`.run/<name>`), so `npm start`'s network and the tests' never share state.
 */
export class Layout {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get state(): string {
    return join(this.root, 'state.json');
  }
  get logs(): string {
    return join(this.root, 'logs');
  }
  get pids(): string {
    return join(this.root, 'pids');
  }
  get config(): string {
    return join(this.root, 'config');
  }
  get connectionProfile(): string {
    return join(this.root, 'connection.json');
  }
  log(node: string): string {
    return join(this.logs, `${node}.log`);
  }
  pid(node: string): string {
    return join(this.pids, `${node}.pid`);
  }
  caHome(org: string): string {
    return join(this.root, 'orgs', org, 'ca');
  }
  caCert(org: string): string {
    return join(this.caHome(org), 'ca-cert.pem');
  }
  /** The organisation's MSP as channel members see it (CA and TLS CA certificates, NodeOUs). */
  orgMsp(org: string): string {
    return join(this.root, 'orgs', org, 'msp');
  }
  identity(org: string, id: string): string {
    return join(this.root, 'orgs', org, 'identities', id);
  }
  nodeData(node: string): string {
    return join(this.root, 'nodes', node);
  }
  chaincodePackage(peer: string): string {
    return join(this.root, 'chaincode', `${peer}.tar.gz`);
  }
}
