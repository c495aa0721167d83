import { existsSync, readFileSync } from 'node:fs';
import { address, type ConnectionProfile, getOperations, httpsGet, organisationHome } from '@isl/network';
import { imageSourceEndpoints, transactionUrls } from '../imagesource/endpoints';
import { ImageSourcePaths } from '../imagesource/paths';
import { OrthancFiles } from '../pacs/orthanc-config';

/** What one organisation serves, with the URLs a client or an operator uses (npm start's summary, npm run status). */
export interface OrganisationServices {
  readonly org: string;
  readonly name: string;
  readonly description: string;
  readonly gateway: {
    readonly api: string;
    readonly docs: string;
    /** The web portal this gateway serves (patients, clinicians, auditors). */
    readonly portal: string;
    /** The Node version its /healthz reports; null when it does not answer. */
    readonly node: string | null;
  };
  /** docs/protocol.md §8.1: ITI-43 is `POST <url>`, RAD-69 `POST <url>/rad69`, WADO-RS `GET <url>/studies/{study}`; TLS by the organisation's CA. */
  readonly imageSource: {
    readonly url: string;
    readonly iti43: string;
    readonly rad69: string;
    readonly wadoRs: string;
    readonly tlsCaCert: string;
    /** The source key id (ITI-43 RepositoryUniqueId) and Node version its /healthz reports; null when it does not answer. */
    readonly source: string | null;
    readonly node: string | null;
  };
  /** The organisation's PACS behind the image source (authenticated; loopback only). */
  readonly orthanc: {
    readonly http: string;
    readonly dicomWeb: string;
    readonly dicom: string;
    readonly credentials: string;
  };
}

/** Every organisation's services, each probed once (bounded) for what its /healthz says. */
export async function describeServices(profile: ConnectionProfile, profilePath: string): Promise<OrganisationServices[]> {
  return Promise.all(
    profile.organisations.map(async (org) => {
      const paths = new ImageSourcePaths(organisationHome(profilePath, org), org.name);
      const endpoints = imageSourceEndpoints(org);
      const gateway = `http://${address(org.gateway)}`;
      const orthancHttp = `http://127.0.0.1:${String(endpoints.orthancHttp)}`;
      const [gatewayHealth, sourceHealth] = await Promise.all([
        getOperations(org.gateway, '/healthz')
          .then((r) => (r.status === 200 ? parseHealth(r.body) : undefined))
          .catch(() => undefined),
        httpsHealth(`${endpoints.url}/healthz`, paths.tls.tlsCa).catch(() => undefined),
      ]);
      return {
        org: org.mspId,
        name: org.name,
        description: org.description,
        gateway: { api: `${gateway}/api/v1`, docs: `${gateway}/api/v1/docs`, portal: `${gateway}/portal/`, node: gatewayHealth?.node ?? null },
        imageSource: {
          url: endpoints.url,
          ...transactionUrls(endpoints.url),
          tlsCaCert: paths.tls.tlsCa,
          source: sourceHealth?.source ?? null,
          node: sourceHealth?.node ?? null,
        },
        orthanc: {
          http: orthancHttp,
          dicomWeb: `${orthancHttp}/dicom-web/`,
          dicom: `127.0.0.1:${String(endpoints.orthancDicom)}`,
          credentials: new OrthancFiles(paths.orthanc).credentials,
        },
      };
    }),
  );
}

interface Health {
  readonly node: string | null;
  readonly source: string | null;
}

function parseHealth(body: string): Health | undefined {
  try {
    const parsed = JSON.parse(body) as { node?: unknown; source?: unknown };
    return {
      node: typeof parsed.node === 'string' ? parsed.node : null,
      source: typeof parsed.source === 'string' ? parsed.source : null,
    };
  } catch {
    return undefined;
  }
}

async function httpsHealth(url: string, caFile: string): Promise<Health | undefined> {
  if (!existsSync(caFile)) {
    return undefined;
  }
  const { status, body } = await httpsGet(url, readFileSync(caFile), 2_000);
  return status === 200 ? parseHealth(body) : undefined;
}
