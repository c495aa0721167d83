import { join } from 'node:path';
import { IdentityFiles } from '@isl/network';

/** Where one organisation's image source keeps its state, under the network's run folder. */
export class ImageSourcePaths {
  readonly runDir: string;
  readonly org: string;

  constructor(runDir: string, org: string) {
    this.runDir = runDir;
    this.org = org;
  }

  get dir(): string {
    return join(this.runDir, 'orgs', this.org, 'image-source');
  }
  /** The source's ES256 private JWK (0600). */
  get sourceKey(): string {
    return join(this.dir, 'source-key.json');
  }
  /** Study reference → Study Instance UID: the source's own records, never on the ledger. */
  get studies(): string {
    return join(this.dir, 'studies.json');
  }
  /** Disclosures released but not yet recorded on the ledger. */
  get outbox(): string {
    return join(this.dir, 'outbox');
  }
  /** The local grant view's checkpoint: this source's grant records and the block height they reflect. */
  get grantView(): string {
    return join(this.dir, 'grant-view.json');
  }
  get orthanc(): string {
    return join(this.dir, 'orthanc');
  }
  /** The HTTPS server identity its CA enrolled (TLS certificate for 127.0.0.1). */
  get tls(): IdentityFiles {
    return new IdentityFiles(join(this.runDir, 'orgs', this.org, 'identities', 'image-source'));
  }
  /** ProcessSupervisor process names. */
  get orthancProcess(): string {
    return `orthanc.${this.org}`;
  }
  get serverProcess(): string {
    return `image-source.${this.org}`;
  }
}
