import type { OrganisationProfile } from '@isl/network';

/** The organisation's image-source ports: from the profile, else the topology rule (+60, +61, +62). */
export function imageSourceEndpoints(org: OrganisationProfile): {
  readonly https: number;
  readonly orthancHttp: number;
  readonly orthancDicom: number;
  readonly url: string;
} {
  const https = org.imageSource.port;
  return {
    https,
    orthancHttp: org.orthanc?.http.port ?? https + 1,
    orthancDicom: org.orthanc?.dicom.port ?? https + 2,
    url: `https://127.0.0.1:${String(https)}`,
  };
}

/** The URL of each retrieval transaction of an image source registered at `url` (docs/protocol.md §8.1). */
export function transactionUrls(url: string): { readonly iti43: string; readonly rad69: string; readonly wadoRs: string } {
  const base = url.replace(/\/$/, '');
  return { iti43: url, rad69: `${base}/rad69`, wadoRs: `${base}/studies/{study}` };
}
