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
