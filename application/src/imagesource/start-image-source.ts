import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '@hyperledger/fabric-gateway';
import pino, { type Logger } from 'pino';
import { audienceFor } from '@isl/chaincode';
import { connectGateway, organisationOf, readConnectionProfile } from '@isl/network';
import { openAuditTrail } from '../atna/audit-config';
import { LedgerClient } from '../ledger/ledger-client';
import { peerTransactionLookup } from '../ledger/transaction-status';
import { OrthancClient } from '../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../pacs/orthanc-config';
import { AccessPolicy } from './access-policy';
import { networkBlockFeed } from './block-feed';
import { GrantView } from './grant-view';
import type { ViewIdentity } from './grant-view-checkpoint';
import type { ImageSourceConfig } from './config';
import { DisclosureOutbox } from './disclosure-outbox';
import { imageSourceEndpoints, transactionUrls } from './endpoints';
import { portalOrigins } from '../portal/origins';
import { ImageSourcePaths } from './paths';
import { ImageSourceServer } from './server';
import { readSourceKey } from './source-key';
import { StudyRelease } from './study-release';
import { StudyStore } from './study-store';

export interface RunningImageSource {
  readonly url: string;
  readonly sourceId: string;
  /** Finishes releases in progress, then lets go of the ledger connection. */
  close(): Promise<void>;
}

/** The source's local grant view, resumed from its checkpoint and following its own peer's blocks. */
function startGrantView(network: Network, identity: ViewIdentity, paths: ImageSourcePaths, log: Logger): GrantView {
  const view = new GrantView({
    ...identity,
    feed: networkBlockFeed(network),
    checkpointFile: paths.grantView,
    log: (level, message, fields) => {
      log[level](fields ?? {}, message);
    },
  });
  view.start();
  return view;
}

/**
 * One organisation's image-source server, wired from its configuration: the
 * ledger (access decisions, disclosures), its PACS and its HTTPS listener.
 * Disclosures left by an earlier run are offered to the ledger at once, then
 * on a retry schedule while the ledger cannot take them.
 */
export async function startImageSource(config: ImageSourceConfig): Promise<RunningImageSource> {
  const log = pino({ name: `image-source.${config.org}`, level: config.logLevel });
  const profile = readConnectionProfile(config.profilePath);
  const org = organisationOf(profile, config.org);
  const paths = new ImageSourcePaths(config.runDir, org.name);
  const endpoints = imageSourceEndpoints(org);
  const key = await readSourceKey(paths.sourceKey);
  const connection = connectGateway({ org });
  const network = connection.gateway.getNetwork(profile.channel);
  const ledger = new LedgerClient(network.getContract(profile.chaincode), { lookup: peerTransactionLookup(network) });
  const outbox = new DisclosureOutbox({
    dir: paths.outbox,
    ledger,
    key,
    audience: audienceFor(profile.channel, profile.chaincode),
    log: (m) => {
      log.warn(m);
    },
  });
  const view = startGrantView(network, { channel: profile.channel, chaincode: profile.chaincode, source: key.keyId }, paths, log);
  const policy = new AccessPolicy(ledger, key.keyId, view);
  const release = new StudyRelease({
    studies: new StudyStore(paths.studies),
    orthanc: new OrthancClient(`http://127.0.0.1:${String(endpoints.orthancHttp)}`, orthancCredentials(new OrthancFiles(paths.orthanc))),
    policy,
    outbox,
  });
  const audit = config.audit
    ? openAuditTrail({
        config: config.audit,
        outboxDir: join(paths.dir, 'audit-outbox'),
        source: { id: `image-source.${org.name}`, site: org.mspId, type: 3 },
        appName: 'isl-image-source',
        memberTls: { certFile: paths.tls.tlsCert, keyFile: paths.tls.tlsKey },
        log: (level, message, fields) => {
          log[level](fields ?? {}, message);
        },
      })
    : undefined;
  const server = new ImageSourceServer({
    sourceId: key.keyId,
    sourceKey: key.privateJwk,
    publicUrl: endpoints.url,
    tls: { cert: readFileSync(paths.tls.tlsCert), key: readFileSync(paths.tls.tlsKey) },
    release,
    portalOrigins: portalOrigins(profile),
    grantView: () => ({ ...view.status(), answered: policy.answered }),
    ...(audit === undefined ? {} : { audit }),
    log: (level, message, fields) => {
      log[level](fields ?? {}, message);
    },
  });
  try {
    await server.listen(endpoints.https);
  } catch (err) {
    await view.close();
    connection.close();
    await audit?.close();
    throw err;
  }
  log.info({ url: endpoints.url, ...transactionUrls(endpoints.url), source: key.keyId }, 'image source listening');
  void outbox.flush();
  const retry = setInterval(() => void outbox.flush(), config.disclosureRetryMs);
  return {
    url: endpoints.url,
    sourceId: key.keyId,
    close: async () => {
      clearInterval(retry);
      try {
        await server.close();
      } finally {
        await view.close();
        connection.close();
        // What the repository has not taken stays in the outbox for the next start.
        await audit?.close();
      }
    },
  };
}
