import { readFileSync } from 'node:fs';
import { audienceFor } from '@isl/chaincode';
import { connectGateway, organisationHome } from '@isl/network';
import { LedgerClient } from '../../ledger/ledger-client';
import type { OrthancClient } from '../../pacs/orthanc-client';
import { ImageSourceUnavailable, localOrthanc } from '../../publishing/local-publisher';
import { ImageSourcePaths } from '../../imagesource/paths';
import { CliError, type CliContext } from '../context';

/** The image source's own door to the ledger (gRPC with the organisation's identity), for `isl publish` on its host. */
export interface LedgerSession {
  readonly ledger: LedgerClient;
  readonly audience: string;
  close(): void;
}

/**
 * The CLI's one door besides the gateway's REST API. Publishing on the image
 * source's host acts as the image source itself (its key, its PACS, its
 * records), as the gateway's own publisher does, so it submits DefineStudy
 * with the organisation's identity; every other verb goes through the gateway
 * (session.ts `gateway`), and `isl publish --remote` does too.
 */
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

/** The organisation's image-source files in its home (the profile names it; else the folder the profile lives in). */
export function imageSourcePaths(ctx: CliContext): ImageSourcePaths {
  return new ImageSourcePaths(organisationHome(ctx.profilePath, ctx.organisation()), ctx.organisation().name);
}

export function orthancOf(ctx: CliContext): OrthancClient {
  try {
    return localOrthanc({ runDir: organisationHome(ctx.profilePath, ctx.organisation()), org: ctx.organisation() });
  } catch (err) {
    if (err instanceof ImageSourceUnavailable) throw new CliError(err.message);
    throw err;
  }
}

/** The consortium's CA certificates, to check an image source's TLS certificate. */
export function consortiumCas(ctx: CliContext): Buffer[] {
  return [...new Set(ctx.profile().organisations.flatMap((o) => o.peers.map((p) => p.tlsCaCert)))].map((f) => readFileSync(f));
}
