import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { audienceFor } from '@isl/chaincode';
import { connectGateway, organisationOf, readConnectionProfile } from '@isl/network';
import { LedgerClient } from '../ledger/ledger-client';
import { OrthancClient } from '../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../pacs/orthanc-config';
import { AccessPolicy } from './access-policy';
import { DisclosureOutbox } from './disclosure-outbox';
import { imageSourceEndpoints } from './endpoints';
import { ImageSourcePaths } from './paths';
import { ImageSourceServer } from './server';
import { readSourceKey } from './source-key';
import { StudyRelease } from './study-release';
import { StudyStore } from './study-store';

/**
 * Entry point of one organisation's image-source server (started detached by
 * service.ts): `node main.js --run-dir <dir> --org <name> --profile <file>`.
 */
async function run(): Promise<void> {
  const { values } = parseArgs({ options: { 'run-dir': { type: 'string' }, org: { type: 'string' }, profile: { type: 'string' } } });
  const runDir = values['run-dir'];
  const orgName = values.org;
  const profilePath = values.profile;
  if (!runDir || !orgName || !profilePath) {
    throw new Error('usage: main --run-dir <dir> --org <name> --profile <connection.json>');
  }
  const log = pino({ name: `image-source.${orgName}` });
  const profile = readConnectionProfile(profilePath);
  const org = organisationOf(profile, orgName);
  const paths = new ImageSourcePaths(runDir, org.name);
  const endpoints = imageSourceEndpoints(org);
  const key = await readSourceKey(paths.sourceKey);
  const connection = connectGateway({ org });
  const contract = connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode);
  const ledger = new LedgerClient(contract);
  const outbox = new DisclosureOutbox({
    dir: paths.outbox,
    ledger,
    key,
    audience: audienceFor(profile.channel, profile.chaincode),
    log: (m) => {
      log.warn(m);
    },
  });
  const release = new StudyRelease({
    studies: new StudyStore(paths.studies),
    orthanc: new OrthancClient(`http://127.0.0.1:${String(endpoints.orthancHttp)}`, orthancCredentials(new OrthancFiles(paths.orthanc))),
    policy: new AccessPolicy(ledger, key.keyId),
    outbox,
  });
  const server = new ImageSourceServer({
    sourceId: key.keyId,
    publicUrl: endpoints.url,
    tls: { cert: readFileSync(paths.tls.tlsCert), key: readFileSync(paths.tls.tlsKey) },
    release,
    log: (level, message, fields) => {
      log[level](fields ?? {}, message);
    },
  });
  await server.listen(endpoints.https);
  log.info({ url: endpoints.url, source: key.keyId }, 'image source listening');
  // Disclosures left by an earlier run, then a retry schedule for any the ledger could not take.
  void outbox.flush();
  const retry = setInterval(() => void outbox.flush(), 5_000);
  const stop = (): void => {
    clearInterval(retry);
    void server.close().finally(() => {
      connection.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

run().catch((err: unknown) => {
  process.stderr.write(`image source failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
