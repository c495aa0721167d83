import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Contract, Network } from '@hyperledger/fabric-gateway';
import { audienceFor } from '@isl/chaincode';
import {
  connectGateway,
  orderersOf,
  organisationHome,
  organisationOf,
  projectRoot,
  readConnectionProfile,
  type ConnectionProfile,
  type OrganisationProfile,
} from '@isl/network';
import { ledgerChangeAlert } from '../atna/audit-events';
import { openAuditTrail } from '../atna/audit-config';
import type { AuditTrail } from '../atna/audit-trail';
import { openLocalPublisher } from '../publishing/local-publisher';
import { ImageSourcePaths } from '../imagesource/paths';
import type { Publisher } from '../publishing/publisher';
import { StudyStore } from '../imagesource/study-store';
import { imageSourceOrigins } from '../portal/origins';
import { LedgerClient } from '../ledger/ledger-client';
import { OrderingQuorum } from '../ledger/ordering-quorum';
import { peerTransactionLookup } from '../ledger/transaction-status';
import type { GatewayConfig } from './config';
import { EventHub } from './event-hub';
import { ensureGatewayIdentity } from './identity';
import type { GatewayIdentity } from './identity';
import { GatewayMetrics } from './metrics';
import { PeerBlocks } from './peer-blocks';
import { buildGatewayServer } from './server';
import { TokenStore } from './tokens';

/** A gateway application listening, with what it holds open. */
export interface RunningGateway {
  readonly app: FastifyInstance;
  /** Finishes in-flight requests, then closes the event stream and the peer connection. */
  close(): Promise<void>;
}

/**
 * Starts the gateway application of one member organisation from its
 * configuration: enrols its identity, issues its first tokens, connects to
 * the peer and listens. No process state is touched (signals, exit): that is
 * the bootstrap's (main.ts), so tests can start and close one in-process.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const profile = readConnectionProfile(config.profilePath);
  const org = organisationOf(profile, config.org);
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  // The organisation's own files (its CA's registrar, its image source's records) are in its home.
  const runDir = organisationHome(config.profilePath, org);
  const identity = await enrolGateway(config, org, runDir);
  const tokens = new TokenStore(config.tokensFile);
  issueFirstTokens(tokens, config.stateDir);

  const conn = connectGateway({ org, signer: { certificate: identity.certificate, privateKey: identity.privateKey } });
  const network = conn.gateway.getNetwork(profile.channel);
  const contract = network.getContract(profile.chaincode);
  const metrics = new GatewayMetrics({ org: org.mspId });
  const ordering = new OrderingQuorum({ channel: profile.channel, orderers: orderersOf(profile) });
  ordering.start();
  const ledger = new LedgerClient(contract, { observer: metrics, lookup: peerTransactionLookup(network), ordering });
  const hub = new EventHub();
  const blocks = new PeerBlocks(network);
  const audit = openGatewayAudit(config, org, runDir, metrics);
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
      publisher: lazyPublisher(runDir, org, ledger, profile),
      studies: new StudyStore(new ImageSourcePaths(runDir, org.name).studies),
      spoolDir: config.uploadsDir,
      limits: config.publicationLimits,
      onUpload: (outcome, bytes) => {
        metrics.onUpload(outcome, bytes);
      },
    },
    portal: {
      dir: join(projectRoot, 'portal', 'dist'),
      org: org.mspId,
      audience: audienceFor(profile.channel, profile.chaincode),
      imageSources: imageSourceOrigins(profile),
    },
    ready: contractAnswers(contract),
    ...(audit === undefined ? {} : { audit }),
  });
  if (audit !== undefined) auditLedgerChanges(hub, audit, `gateway.${org.name}`);
  followChaincodeEvents(app, hub, { network, chaincode: profile.chaincode, checkpointFile: config.checkpointFile, metrics, blocks });

  await app.listen({ host: config.host, port: config.port ?? org.gateway.port });
  return {
    app,
    close: async () => {
      await app.close();
      ordering.stop();
      await hub.close();
      conn.close();
      await audit?.close();
    },
  };
}

/**
 * The gateway's audit trail when the member configured an Audit Record
 * Repository: mutual TLS with the organisation's image-source TLS identity
 * unless another client identity is configured.
 */
function openGatewayAudit(config: GatewayConfig, org: OrganisationProfile, runDir: string, metrics: GatewayMetrics): AuditTrail | undefined {
  if (config.audit === undefined) return undefined;
  const tls = new ImageSourcePaths(runDir, org.name).tls;
  const trail = openAuditTrail({
    config: config.audit,
    outboxDir: join(config.stateDir, 'audit-outbox'),
    source: { id: `gateway.${org.name}`, site: org.mspId, type: 3 },
    appName: 'isl-gateway',
    ...(existsSync(tls.tlsCert) && existsSync(tls.tlsKey) ? { memberTls: { certFile: tls.tlsCert, keyFile: tls.tlsKey } } : {}),
    log: (level, message, fields) => {
      process.stderr.write(`${JSON.stringify({ level, msg: message, ...fields })}\n`);
    },
  });
  metrics.trackAudit(
    () => trail.pending,
    () => trail.dropped,
  );
  return trail;
}

/**
 * Every grant and revocation the peer commits becomes a Security Alert. The
 * hub hands each event over before it checkpoints it, and the outbox keeps it
 * on disk at once, so a crash in between repeats an alert rather than losing one.
 */
function auditLedgerChanges(hub: EventHub, audit: AuditTrail, reporter: string): void {
  hub.subscribe((event) => {
    const alert = ledgerChangeAlert(event, reporter, new Date());
    if (alert !== undefined) audit.record(alert);
  });
}

/** The gateway's own identity, enrolled with its organisation's CA by the registrar the network created. */
function enrolGateway(config: GatewayConfig, org: OrganisationProfile, runDir: string): Promise<GatewayIdentity> {
  const caHome = join(runDir, 'orgs', org.name, 'ca', 'registrar', 'msp');
  return ensureGatewayIdentity({
    mspId: org.mspId,
    caUrl: org.ca.url,
    caName: org.ca.name,
    caCertFile: org.ca.caCert,
    registrar: { cert: join(caHome, 'signcerts', 'cert.pem'), key: registrarKey(join(caHome, 'keystore')) },
    enrollmentId: `gateway.${org.name}`,
    walletFile: join(config.stateDir, 'identity.json'),
  });
}

/**
 * First tokens, shown once in files only the operator can read: one for the
 * organisation's own systems and local tools (isl reads it), one for its auditors.
 */
function issueFirstTokens(tokens: TokenStore, stateDir: string): void {
  for (const [name, file] of [
    ['member-systems', 'member-token'],
    ['auditor', 'auditor-token'],
  ] as const) {
    const path = join(stateDir, file);
    if (!existsSync(path)) {
      writeFileSync(path, `${tokens.issue(name)}\n`, { mode: 0o600 });
    }
  }
}

/** The image source starts after the gateway, so its publisher is opened on first use (and again after a failed open). */
function lazyPublisher(runDir: string, org: OrganisationProfile, ledger: LedgerClient, profile: ConnectionProfile): () => Promise<Publisher> {
  let publisher: Promise<Publisher> | undefined;
  return () =>
    (publisher ??= openLocalPublisher({ runDir, org, ledger, audience: audienceFor(profile.channel, profile.chaincode) }).catch((err: unknown) => {
      publisher = undefined;
      throw err;
    }));
}

/** Ready when the peer and the chaincode answer a query (the contract's metadata). */
function contractAnswers(contract: Contract): () => Promise<boolean> {
  return async () => (await contract.evaluateTransaction('org.hyperledger.fabric:GetMetadata')).length > 0;
}

interface EventSource {
  readonly network: Network;
  readonly chaincode: string;
  readonly checkpointFile: string;
  readonly metrics: GatewayMetrics;
  readonly blocks: PeerBlocks;
}

/** Counts every chaincode event and tells the block cache how far the ledger has come. */
function followChaincodeEvents(app: FastifyInstance, hub: EventHub, o: EventSource): void {
  hub.subscribe((event) => {
    o.metrics.onEvent();
    o.blocks.observe(BigInt(event.blockNumber));
  });
  hub.start(o.network, o.chaincode, o.checkpointFile, (err) => {
    app.log.warn({ err }, 'chaincode event stream interrupted; reconnecting from the checkpoint');
  });
}

function registrarKey(keystore: string): string {
  const [first] = existsSync(keystore) ? readdirSync(keystore) : [];
  if (first === undefined) {
    throw new Error(`no registrar key in ${keystore}`);
  }
  return join(keystore, first);
}
