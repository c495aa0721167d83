import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '@hyperledger/fabric-gateway';
import { audienceFor } from '@isl/chaincode';
import {
  connectGateway,
  type ConnectionProfile,
  type GatewayConnection,
  organisationHome,
  type OrganisationProfile,
  readConnectionProfile,
} from '@isl/network';
import {
  GatewayClient,
  imageSourceEndpoints,
  ImageSourcePaths,
  LedgerClient,
  orthancCredentials,
  type OrthancCredentials,
  OrthancFiles,
  readSourceKey,
  type SourceKey,
} from '@isl/application';

/** One organisation as the benchmark drives it. */
export interface BenchOrg {
  readonly profile: OrganisationProfile;
  /** Its gateway application's REST API with the member token (not rate-limited). */
  readonly rest: GatewayClient;
  readonly restUrl: string;
  readonly token: string;
  /** Its image source: key, URL, files, Orthanc. */
  readonly source: SourceKey;
  readonly sourceUrl: string;
  readonly paths: ImageSourcePaths;
  readonly orthanc: { readonly baseUrl: string; readonly credentials: OrthancCredentials };
}

/** The running `npm start` consortium: profile, REST clients, and Fabric Gateway connections made on demand. */
export class BenchNetwork {
  readonly runDir: string;
  readonly profile: ConnectionProfile;
  readonly audience: string;
  readonly orgs: readonly BenchOrg[];
  readonly ca: readonly Buffer[];
  readonly #connections: GatewayConnection[] = [];

  private constructor(runDir: string, profile: ConnectionProfile, orgs: BenchOrg[]) {
    this.runDir = runDir;
    this.profile = profile;
    this.audience = audienceFor(profile.channel, profile.chaincode);
    this.orgs = orgs;
    this.ca = profile.organisations.map((o) => readFileSync(o.peers[0]?.tlsCaCert ?? ''));
  }

  static async open(runDir: string): Promise<BenchNetwork> {
    const profileFile = join(runDir, 'connection.json');
    const profile = readConnectionProfile(profileFile);
    const orgs: BenchOrg[] = [];
    for (const p of profile.organisations) {
      // Each organisation's gateway state and image source are in its member's home.
      const home = organisationHome(profileFile, p);
      const token = readFileSync(join(home, 'orgs', p.name, 'gateway', 'member-token'), 'utf8').trim();
      const restUrl = `http://${p.gateway.host}:${String(p.gateway.port)}`;
      const paths = new ImageSourcePaths(home, p.name);
      const endpoints = imageSourceEndpoints(p);
      orgs.push({
        profile: p,
        rest: new GatewayClient({ baseUrl: restUrl, token, timeoutMs: 60_000, overloadRetries: 0, outcomeRetries: 0 }),
        restUrl,
        token,
        source: await readSourceKey(paths.sourceKey),
        sourceUrl: endpoints.url,
        paths,
        orthanc: { baseUrl: `http://127.0.0.1:${String(endpoints.orthancHttp)}`, credentials: orthancCredentials(new OrthancFiles(paths.orthanc)) },
      });
    }
    return new BenchNetwork(runDir, profile, orgs);
  }

  /** A LedgerClient over a Fabric Gateway connection (mutual TLS) to one peer of an organisation. */
  ledger(org: BenchOrg, peerIndex = 0): LedgerClient {
    const connection = connectGateway({ org: org.profile, peerIndex });
    this.#connections.push(connection);
    return new LedgerClient(connection.gateway.getNetwork(this.profile.channel).getContract(this.profile.chaincode));
  }

  /** The channel over a Fabric Gateway connection to one peer of an organisation (block events, qscc). */
  network(org: BenchOrg, peerIndex = 0): Network {
    const connection = connectGateway({ org: org.profile, peerIndex });
    this.#connections.push(connection);
    return connection.gateway.getNetwork(this.profile.channel);
  }

  /** Every peer of the consortium as [org, peerIndex]. */
  peers(): [BenchOrg, number][] {
    return this.orgs.flatMap((o) => o.profile.peers.map((_, i): [BenchOrg, number] => [o, i]));
  }

  close(): void {
    for (const c of this.#connections.splice(0)) c.close();
  }
}
