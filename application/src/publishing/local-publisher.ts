import { existsSync } from 'node:fs';
import type { OrganisationProfile } from '@isl/network';
import type { LedgerClient } from '../ledger/ledger-client';
import { OrthancClient } from '../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../pacs/orthanc-config';
import { imageSourceEndpoints } from '../imagesource/endpoints';
import { ImageSourcePaths } from '../imagesource/paths';
import { Publisher } from './publisher';
import { readSourceKey } from '../imagesource/source-key';
import { StudyStore } from '../imagesource/study-store';

/** The organisation's image source has not been set up here yet (no source key or no PACS). */
export class ImageSourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageSourceUnavailable';
  }
}

export interface LocalImageSource {
  /** The network's run folder (where the connection profile lives). */
  readonly runDir: string;
  readonly org: OrganisationProfile;
}

export interface LocalPublisherOptions extends LocalImageSource {
  readonly ledger: LedgerClient;
  readonly audience: string;
}

function required(o: LocalImageSource, file: string, what: string): void {
  if (!existsSync(file)) {
    throw new ImageSourceUnavailable(`${o.org.mspId} has no ${what} at ${file}: start its image source first (npm start)`);
  }
}

/** The organisation's PACS (Orthanc), with the credentials its first start made. */
export function localOrthanc(o: LocalImageSource): OrthancClient {
  const files = new OrthancFiles(new ImageSourcePaths(o.runDir, o.org.name).orthanc);
  required(o, files.credentials, 'PACS (Orthanc) credentials');
  return new OrthancClient(`http://127.0.0.1:${String(imageSourceEndpoints(o.org).orthancHttp)}`, orthancCredentials(files));
}

/**
 * A Publisher over the organisation's own image-source files: its source
 * key, its PACS (Orthanc, with the credentials its first start made) and its
 * study store. Both `isl publish` and the gateway's publication endpoints use it.
 */
export async function openLocalPublisher(o: LocalPublisherOptions): Promise<Publisher> {
  const paths = new ImageSourcePaths(o.runDir, o.org.name);
  required(o, paths.sourceKey, 'image-source key');
  return new Publisher({
    orthanc: localOrthanc(o),
    studies: new StudyStore(paths.studies),
    ledger: o.ledger,
    key: await readSourceKey(paths.sourceKey),
    audience: o.audience,
  });
}
