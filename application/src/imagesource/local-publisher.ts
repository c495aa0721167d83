import { existsSync } from 'node:fs';
import type { OrganisationProfile } from '@isl/network/dist/connection-profile';
import type { LedgerClient } from '../ledger/ledger-client';
import { OrthancClient } from '../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../pacs/orthanc-config';
import { imageSourceEndpoints } from './endpoints';
import { ImageSourcePaths } from './paths';
import { Publisher } from './publisher';

export type { Published } from './publisher';
import { readSourceKey } from './source-key';
import { StudyStore } from './study-store';

/** The organisation's image source has not been set up here yet (no source key or no PACS). */
export class ImageSourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageSourceUnavailable';
  }
}

export interface LocalPublisherOptions {
  /** The network's run folder (where the connection profile lives). */
  readonly runDir: string;
  readonly org: OrganisationProfile;
  readonly ledger: LedgerClient;
  readonly audience: string;
}

/**
 * A Publisher over the organisation's own image-source files: its source
 * key, its PACS (Orthanc, with the credentials its first start made) and its
 * study store. Both `isl publish` and the gateway's publication endpoints use it.
 */
export async function openLocalPublisher(o: LocalPublisherOptions): Promise<Publisher> {
  const paths = new ImageSourcePaths(o.runDir, o.org.name);
  const files = new OrthancFiles(paths.orthanc);
  for (const [file, what] of [
    [paths.sourceKey, 'image-source key'],
    [files.credentials, 'PACS (Orthanc) credentials'],
  ] as const) {
    if (!existsSync(file)) {
      throw new ImageSourceUnavailable(`${o.org.mspId} has no ${what} at ${file}: start its image source first (npm start)`);
    }
  }
  return new Publisher({
    orthanc: new OrthancClient(`http://127.0.0.1:${String(imageSourceEndpoints(o.org).orthancHttp)}`, orthancCredentials(files)),
    studies: new StudyStore(paths.studies),
    ledger: o.ledger,
    key: await readSourceKey(paths.sourceKey),
    audience: o.audience,
  });
}
