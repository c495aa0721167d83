import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type ConnectOptions } from '@hyperledger/fabric-gateway';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { OrganisationProfile } from '../connection-profile';
import { nativeP256Signer } from './native-signer';

export interface GatewayConnection {
  readonly gateway: Gateway;
  readonly client: grpc.Client;
  close(): void;
}

export interface ConnectGatewayOptions {
  readonly org: OrganisationProfile;
  /** Which peer of the organisation to connect to (default: its first). */
  readonly peerIndex?: number;
  /** Which enrolled identity to act as (default: the organisation's client). */
  readonly identity?: { readonly cert: string; readonly key: string; readonly tlsCert: string; readonly tlsKey: string };
  /** Sign as this certificate and key (PEM) instead of the identity's files; TLS still uses the identity's. */
  readonly signer?: { readonly certificate: string; readonly privateKey: string };
  /** Deadlines per call; the defaults suit a loaded 2-core machine. */
  readonly deadlines?: Pick<ConnectOptions, 'evaluateOptions' | 'endorseOptions' | 'submitOptions' | 'commitStatusOptions'>;
}

/**
 * A Fabric Gateway connection to one of the organisation's own peers, over
 * mutual TLS, signing as an identity its CA enrolled.
 */
export function connectGateway(options: ConnectGatewayOptions): GatewayConnection {
  const { org } = options;
  const peer = org.peers[options.peerIndex ?? 0];
  if (!peer) {
    throw new Error(`${org.mspId} has no peer ${String(options.peerIndex ?? 0)}`);
  }
  const id = options.identity ?? org.client;
  const tlsCert = readFileSync(id.tlsCert);
  const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsCaCert), readFileSync(id.tlsKey), tlsCert);
  const client = new grpc.Client(`${peer.endpoint.host}:${String(peer.endpoint.port)}`, credentials, {
    // TLS server names may not be IP addresses (RFC 6066); node certificates also name localhost.
    ...(peer.endpoint.host === '127.0.0.1' ? { 'grpc.ssl_target_name_override': 'localhost' } : {}),
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const deadline = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });
  const privateKey = createPrivateKey(options.signer ? options.signer.privateKey : readFileSync(id.key));
  // Native (OpenSSL) signing where the key allows it: it hashes itself, hence hash.none.
  const native = nativeP256Signer(privateKey);
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: options.signer ? Buffer.from(options.signer.certificate) : readFileSync(id.cert) },
    signer: native ?? signers.newPrivateKeySigner(privateKey),
    hash: native ? hash.none : hash.sha256,
    // Block events go to the peer's deliver service, which binds the request to the client's TLS certificate.
    tlsClientCertificateHash: createHash('sha256').update(new X509Certificate(tlsCert).raw).digest(),
    evaluateOptions: deadline(10_000),
    endorseOptions: deadline(30_000),
    submitOptions: deadline(10_000),
    // A transaction the Raft leader had not replicated when it died never commits: waiting longer than a few
    // election timeouts (2.5 s in the topology) only holds the caller. The ledger client then looks it up and
    // answers "outcome unknown" rather than guessing (issue 14's 60 s tails).
    commitStatusOptions: deadline(15_000),
    ...options.deadlines,
  });
  return {
    gateway,
    client,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}
