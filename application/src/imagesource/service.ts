import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audienceFor, createStatement } from '@isl/chaincode';
import { connectGateway, type ConnectionProfile, organisationOf, type ProcessSupervisor, waitFor, writeConnectionProfile } from '@isl/network';
import { fetchAnswer } from '@isl/platform';
import { LedgerRejection } from '../ledger/errors';
import { LedgerClient } from '../ledger/ledger-client';
import type { OrthancCredentials } from '../pacs/orthanc-config';
import { OrthancProcess } from '../pacs/orthanc-process';
import { imageSourceEndpoints } from './endpoints';
import { startServiceProcess } from '../services/service-process';
import { imageSourceSettings } from './config';
import { ImageSourcePaths } from './paths';
import { loadOrCreateSourceKey } from './source-key';

/**
 * A young generation of 2 MiB semi-spaces instead of V8's default. A release moves every byte
 * through 64 KiB buffers that die young; a small young generation is scavenged often and stays in
 * memory already mapped (page faults are dear on a PVM guest: the likely reason). Measured (quick
 * retrieval runs, 26 Nov; 8 MiB gave 0.45–1.0 s, 1 MiB as 2): the
 * image source's CPU per 105 MB release fell from 0.62–0.98 s to 0.21–0.50 s, its peak RSS from
 * 199–236 MB to 166–177 MB (docs/performance.md, goal 1).
 */
export const IMAGE_SOURCE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=2'];

export interface ImageSourceServicesOptions {
  readonly profile: ConnectionProfile;
  /** MSP ID or organisation name. */
  readonly org: string;
  /** The network's run folder, e.g. .run/consortium. */
  readonly runDir: string;
  readonly supervisor: ProcessSupervisor;
  readonly log?: (message: string) => void;
  /** The server's pino level (default: its config's). */
  readonly logLevel?: string;
  readonly timeoutMs?: number;
}

export interface ImageSourceServices {
  /** The source's key id on the ledger (its ITI-43 RepositoryUniqueId). */
  readonly sourceId: string;
  /** The retrieval URL registered with DefineSource. */
  readonly url: string;
  readonly paths: ImageSourcePaths;
  readonly orthanc: { readonly baseUrl: string; readonly credentials: OrthancCredentials };
  /** True when this start defined the source on the ledger. */
  readonly defined: boolean;
}

function orthancOf(options: { readonly profile: ConnectionProfile; readonly org: string; readonly runDir: string; readonly supervisor: ProcessSupervisor }): {
  paths: ImageSourcePaths;
  orthanc: OrthancProcess;
} {
  const org = organisationOf(options.profile, options.org);
  const paths = new ImageSourcePaths(options.runDir, org.name);
  const endpoints = imageSourceEndpoints(org);
  const orthanc = new OrthancProcess({
    name: paths.orthancProcess,
    dir: paths.orthanc,
    httpPort: endpoints.orthancHttp,
    dicomPort: endpoints.orthancDicom,
    aet: `ISL${org.name.toUpperCase()}`.slice(0, 16),
    supervisor: options.supervisor,
  });
  return { paths, orthanc };
}

/**
 * Starts an organisation's image source: its Orthanc (PACS) and its HTTPS
 * retrieval server, as supervised background processes, and waits (bounded)
 * until both answer. On first start it makes the source key and defines the
 * source on the ledger (DefineSource with the organisation's client identity).
 * Harmless when already running.
 */
export async function startImageSourceServices(options: ImageSourceServicesOptions): Promise<ImageSourceServices> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const org = organisationOf(options.profile, options.org);
  const { paths, orthanc } = orthancOf(options);
  const endpoints = imageSourceEndpoints(org);
  const { key } = await loadOrCreateSourceKey(paths.sourceKey);

  log(`${org.mspId}: starting Orthanc on 127.0.0.1:${String(endpoints.orthancHttp)}`);
  const credentials = orthanc.start();
  await orthanc.ready(credentials, timeoutMs);

  const profileFile = join(paths.dir, 'connection.json');
  writeConnectionProfile(profileFile, options.profile);
  log(`${org.mspId}: starting the image source on ${endpoints.url}`);
  startServiceProcess(options.supervisor, {
    name: paths.serverProcess,
    entry: 'imagesource/main',
    nodeOptions: IMAGE_SOURCE_NODE_OPTIONS,
    settings: imageSourceSettings({
      profilePath: profileFile,
      org: org.name,
      runDir: options.runDir,
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    }),
  });
  const ca = readFileSync(paths.tls.tlsCa);
  await waitFor(
    `${paths.serverProcess} to answer ${endpoints.url}/healthz`,
    async () => options.supervisor.isRunning(paths.serverProcess) && (await health(endpoints.url, ca)) === key.keyId,
    { timeoutMs, hint: `see ${options.supervisor.logOf(paths.serverProcess)}` },
  );

  const defined = await defineSourceIfNew(options.profile, org.mspId, key.privateJwk, key.keyId, endpoints.url);
  if (defined) {
    log(`${org.mspId}: defined image source ${key.keyId} on the ledger`);
  }
  return { sourceId: key.keyId, url: endpoints.url, paths, orthanc: { baseUrl: orthanc.baseUrl, credentials }, defined };
}

/** Stops the organisation's image-source server, then its Orthanc. */
export async function stopImageSourceServices(options: {
  readonly profile: ConnectionProfile;
  readonly org: string;
  readonly runDir: string;
  readonly supervisor: ProcessSupervisor;
}): Promise<void> {
  const { paths, orthanc } = orthancOf(options);
  await options.supervisor.stop(paths.serverProcess);
  await orthanc.stop();
}

async function defineSourceIfNew(profile: ConnectionProfile, mspId: string, privateJwk: import('jose').JWK, sourceId: string, url: string): Promise<boolean> {
  const connection = connectGateway({ org: organisationOf(profile, mspId) });
  try {
    const ledger = new LedgerClient(connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode));
    try {
      await ledger.evaluate('GetSource', [sourceId]);
      return false;
    } catch (err) {
      if (!(err instanceof LedgerRejection && err.code === 'SOURCE_NOT_FOUND')) {
        throw err;
      }
    }
    const statement = await createStatement('DefineSource', { url }, privateJwk, { audience: audienceFor(profile.channel, profile.chaincode) });
    try {
      await ledger.submit('DefineSource', [statement]);
    } catch (err) {
      // Another start raced us to it: the source is defined either way.
      if (!(err instanceof LedgerRejection && err.code === 'SOURCE_EXISTS')) {
        throw err;
      }
    }
    return true;
  } finally {
    connection.close();
  }
}

/** The source id the running server reports on /healthz, or false. */
async function health(url: string, ca: Buffer): Promise<string | false> {
  const answer = await fetchAnswer(`${url}/healthz`, { ca, timeoutMs: 5_000, maxBytes: 64 * 1024 });
  const body = JSON.parse(answer.body.toString('utf8')) as { source?: unknown };
  return answer.status === 200 && typeof body.source === 'string' ? body.source : false;
}
