import { join } from 'node:path';
import { Layout } from '../layout';

/**
 * One member's home: the folder on its own host that holds its CA, its
 * identities and their private keys, its nodes' data, and the public bundles of
 * the other members. Nothing in it but the exported bundle leaves the host.
 */
export class MemberHome {
  readonly root: string;
  /** The same folder layout as the local network's run folder, with one organisation. */
  readonly layout: Layout;

  constructor(root: string) {
    this.root = root;
    this.layout = new Layout(root);
  }

  get config(): string {
    return join(this.root, 'member.yaml');
  }

  /** The member's own bundle, as last exported. */
  get exportedBundle(): string {
    return join(this.root, 'bundle.json');
  }

  /** The charter this member founded or joined the channel under (kept by found-join and join). */
  get charter(): string {
    return join(this.root, 'charter.yaml');
  }

  /** Bundles of the other members, as imported (one file per MSP ID). */
  heldBundle(mspId: string): string {
    return join(this.root, 'bundles', `${mspId}.json`);
  }

  get bundles(): string {
    return join(this.root, 'bundles');
  }

  /** A member's channel material (MSP folder, consenter certificate) written from its bundle, for configtxgen and the nodes. */
  memberMaterial(mspId: string): { readonly msp: string; readonly consenterTlsCert: string; readonly tlsCaCert: string } {
    const dir = join(this.root, 'channel', 'members', mspId);
    return { msp: join(dir, 'msp'), consenterTlsCert: join(dir, 'orderer-tls.pem'), tlsCaCert: join(dir, 'msp', 'tlscacerts', 'ca.pem') };
  }
}
