#!/usr/bin/env node
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { audienceFor } from '@isl/chaincode';
import { connectGateway, orderersOf, organisationOf, readConnectionProfile } from '@isl/network';
import { openLocalPublisher } from '../publishing/local-publisher';
import { ImageSourcePaths } from '../imagesource/paths';
import type { Publisher } from '../publishing/publisher';
import { StudyStore } from '../imagesource/study-store';
import { LedgerClient } from '../ledger/ledger-client';
import { loadGatewayConfig } from './config';
import { EventHub } from './event-hub';
import { ensureGatewayIdentity } from './identity';
import { GatewayMetrics } from './metrics';
import { PeerBlocks } from './peer-blocks';
import { buildGatewayServer } from './server';
import { TokenStore } from './tokens';

/** The gateway application of one member organisation (started per organisation by npm start). */
async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const profile = readConnectionProfile(config.profilePath);
  const org = organisationOf(profile, config.org);
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });

  const runDir = dirname(config.profilePath);
  const caHome = join(runDir, 'orgs', org.name, 'ca', 'registrar', 'msp');
  const identity = await ensureGatewayIdentity({
    mspId: org.mspId,
    caUrl: org.ca.url,
    caName: org.ca.name,
    caCertFile: org.ca.caCert,
    registrar: { cert: join(caHome, 'signcerts', 'cert.pem'), key: registrarKey(join(caHome, 'keystore')) },
    enrollmentId: `gateway.${org.name}`,
    walletFile: join(config.stateDir, 'identity.json'),
  });

  const tokens = new TokenStore(config.tokensFile);
  // First tokens, shown once in files only the operator can read: one for the
  // organisation's own systems and local tools (isl reads it), one for its auditors.
  for (const [name, file] of [
    ['member-systems', 'member-token'],
    ['auditor', 'auditor-token'],
  ] as const) {
    const path = join(config.stateDir, file);
    if (!existsSync(path)) {
      writeFileSync(path, `${tokens.issue(name)}\n`, { mode: 0o600 });
    }
  }

  const conn = connectGateway({ org, signer: { certificate: identity.certificate, privateKey: identity.privateKey } });
  const network = conn.gateway.getNetwork(profile.channel);
  const contract = network.getContract(profile.chaincode);
  const metrics = new GatewayMetrics({ org: org.mspId });
  const ledger = new LedgerClient(contract, { observer: metrics });
  const hub = new EventHub();
  const blocks = new PeerBlocks(network);
  // The image source starts after the gateway, so its publisher is opened on first use.
  let publisher: Promise<Publisher> | undefined;
  const openPublisher = (): Promise<Publisher> =>
    (publisher ??= openLocalPublisher({ runDir, org, ledger, audience: audienceFor(profile.channel, profile.chaincode) }).catch((err: unknown) => {
      publisher = undefined;
      throw err;
    }));
  // Uploads a crash left half-spooled are of no use to anyone.
  rmSync(config.uploadsDir, { recursive: true, force: true });
  const app = await buildGatewayServer({
    mspId: org.mspId,
    ledger,
    network,
    chaincode: profile.chaincode,
    orderers: orderersOf(profile),
    members: profile.organisations.map((o) => o.mspId),
    tokens,
    metrics,
    hub,
    blocks,
    anonymousRatePerMinute: config.anonymousRatePerMinute,
    maxWritesInFlight: config.maxWritesInFlight,
    maxReadsInFlight: config.maxReadsInFlight,
    maxConnectionsPerClient: config.maxConnectionsPerClient,
    timeouts: config.timeouts,
    logLevel: config.logLevel,
    publications: {
      publisher: openPublisher,
      studies: new StudyStore(new ImageSourcePaths(runDir, org.name).studies),
      spoolDir: config.uploadsDir,
      limits: config.publicationLimits,
      onUpload: (outcome, bytes) => {
        metrics.onUpload(outcome, bytes);
      },
    },
    // Ready when the peer and the chaincode answer a query (the contract's metadata).
    ready: async () => (await contract.evaluateTransaction('org.hyperledger.fabric:GetMetadata')).length > 0,
  });
  hub.subscribe((event) => {
    metrics.onEvent();
    blocks.observe(BigInt(event.blockNumber));
  });
  await hub.start(network, profile.chaincode, config.checkpointFile, (err) => {
    app.log.warn({ err }, 'chaincode event stream interrupted; reconnecting from the checkpoint');
  });

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    void (async () => {
      await app.close();
      await hub.close();
      conn.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });

  await app.listen({ host: config.host, port: config.port ?? org.gateway.port });
}

function registrarKey(keystore: string): string {
  const [first] = existsSync(keystore) ? readdirSync(keystore) : [];
  if (first === undefined) {
    throw new Error(`no registrar key in ${keystore}`);
  }
  return join(keystore, first);
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

