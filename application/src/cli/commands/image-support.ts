import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { audienceFor } from '@isl/chaincode/dist/statement';
import { connectGateway } from '@isl/network/dist/gateway/connect';
import { LedgerClient } from '../../ledger/ledger-client';
import { OrthancClient } from '../../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../../pacs/orthanc-config';
import { imageSourceEndpoints } from '../../imagesource/endpoints';
import { ImageSourcePaths } from '../../imagesource/paths';
import { CliError, type CliContext } from '../context';

/** Shared by the image commands (publish, retrieve, disclosures, pacs, grant): ledger, PACS and wallet access. */
export interface LedgerSession {
  readonly ledger: LedgerClient;
  readonly audience: string;
  close(): void;
}

export function openLedger(ctx: CliContext): LedgerSession {
  const profile = ctx.profile();
  const connection = connectGateway({ org: ctx.organisation() });
  return {
    ledger: new LedgerClient(connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode)),
    audience: audienceFor(profile.channel, profile.chaincode),
    close: () => {
      connection.close();
    },
  };
}

/** The organisation's image-source files under the run folder the profile lives in. */
export function imageSourcePaths(ctx: CliContext): ImageSourcePaths {
  return new ImageSourcePaths(dirname(ctx.profilePath), ctx.organisation().name);
}

export function orthancOf(ctx: CliContext): OrthancClient {
  const paths = imageSourcePaths(ctx);
  const files = new OrthancFiles(paths.orthanc);
  try {
    readFileSync(files.credentials);
  } catch {
    throw new CliError(`no PACS for ${ctx.organisation().mspId} at ${paths.orthanc}: start the network (npm start) first`);
  }
  return new OrthancClient(`http://127.0.0.1:${String(imageSourceEndpoints(ctx.organisation()).orthancHttp)}`, orthancCredentials(files));
}

/** The consortium's CA certificates, to check an image source's TLS certificate. */
export function consortiumCas(ctx: CliContext): Buffer[] {
  return [...new Set(ctx.profile().organisations.flatMap((o) => o.peers.map((p) => p.tlsCaCert)))].map((f) => readFileSync(f));
}
