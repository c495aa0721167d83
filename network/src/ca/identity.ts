import { join } from 'node:path';

export type IdentityType = 'peer' | 'orderer' | 'admin' | 'client';

/** An identity registered and enrolled through its organisation's Fabric CA. */
export interface IdentitySpec {
  readonly id: string;
  readonly type: IdentityType;
  /** Host names for the TLS certificate (servers); clients get a client TLS certificate too. */
  readonly hosts: readonly string[];
}

/** Paths of an enrolled identity's material. */
export class IdentityFiles {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get msp(): string {
    return join(this.dir, 'msp');
  }
  get signCert(): string {
    return join(this.dir, 'msp', 'signcerts', 'cert.pem');
  }
  get signKey(): string {
    return join(this.dir, 'msp', 'keystore', 'key.pem');
  }
  get tlsCert(): string {
    return join(this.dir, 'tls', 'cert.pem');
  }
  get tlsKey(): string {
    return join(this.dir, 'tls', 'key.pem');
  }
  get tlsCa(): string {
    return join(this.dir, 'tls', 'ca.pem');
  }
}

/** Where the local network's nodes are reached: loopback. */
export const loopbackHosts: readonly string[] = ['127.0.0.1', 'localhost'];

/**
 * The identities each organisation enrols: one per node, its admin, and a
 * client for applications. Their TLS certificates name `hosts`: loopback for
 * the local network, a member's own address on its own host.
 */
export function identitiesOf(
  org: { readonly peers: readonly { readonly name: string }[]; readonly orderer: { readonly name: string } },
  hosts: readonly string[] = loopbackHosts,
): IdentitySpec[] {
  return [
    { id: org.orderer.name, type: 'orderer', hosts },
    ...org.peers.map((p): IdentitySpec => ({ id: p.name, type: 'peer', hosts })),
    ...org.peers.map((p): IdentitySpec => ({ id: `chaincode.${p.name}`, type: 'client', hosts })),
    // The TLS client identity its peers present to chaincode servers (in the ccaas package).
    { id: 'chaincode-client', type: 'client', hosts },
    // The HTTPS server identity of the organisation's image source (ITI-43 / WADO-RS).
    { id: 'image-source', type: 'client', hosts },
    { id: 'admin', type: 'admin', hosts },
    { id: 'client', type: 'client', hosts },
  ];
}
