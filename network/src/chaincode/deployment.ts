import { join } from 'node:path';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { Peer } from '../node/peer';
import type { Orderer } from '../node/orderer';
import { IdentityFiles } from '../ca/identity';
import { address, type Endpoint, type Organisation, type Topology } from '../topology/topology';
import { waitFor } from '../process/wait';
import { projectRoot } from '../fabric-home';
import { projectNode } from '../runtime/project-node';
import { writeCcaasPackage } from './package';
import { describeValidationParameter } from './policy-text';
import { connect } from 'node:net';

export interface CommittedDefinition {
  readonly sequence: number;
  readonly version: string;
  readonly endorsementPolicy: string;
}

export interface DeploymentOptions {
  readonly layout: Layout;
  /**
   * The channel, the chaincode, and the organisations whose peers run here:
   * every organisation for the local network, a member's own on its host.
   */
  readonly topology: Pick<Topology, 'channel' | 'chaincode' | 'logging' | 'organisations'>;
  readonly supervisor: Supervisor;
  readonly peers: ReadonlyMap<string, Peer>;
  /** The orderers this side talks to: an organisation uses its own, else the first. */
  readonly orderers: readonly Orderer[];
}

/** A peer that endorses the commit of a definition: where it listens, and the TLS CA that issued its certificate. */
export interface EndorsingPeer {
  readonly endpoint: Endpoint;
  readonly tlsCaCert: string;
}

/**
 * Deploys the chaincode as a service through Fabric's lifecycle: one ccaas
 * package per organisation, installed on its peers, a chaincode server per
 * peer, approved by each organisation's own admin, committed once. Run by one
 * member on its own host, it acts for that member's organisation only.
 */
export class ChaincodeDeployment {
  readonly #o: DeploymentOptions;

  constructor(options: DeploymentOptions) {
    this.#o = options;
  }

  get label(): string {
    const { name, version } = this.#o.topology.chaincode;
    return `${name}_${version}`;
  }

  #peersOf(org: Organisation): Peer[] {
    return org.peers.map((p) => {
      const peer = this.#o.peers.get(p.name);
      if (!peer) {
        throw new Error(`no peer ${p.name}`);
      }
      return peer;
    });
  }

  #firstPeer(org: Organisation): Peer {
    const [peer] = this.#peersOf(org);
    if (!peer) {
      throw new Error(`${org.name} has no peer`);
    }
    return peer;
  }

  /** Packages and installs on every peer; returns each organisation's package ID. */
  async install(): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const org of this.#o.topology.organisations) {
      const client = new IdentityFiles(this.#o.layout.identity(org.name, 'chaincode-client'));
      const file = this.#o.layout.chaincodePackage(org.name);
      await writeCcaasPackage(file, {
        label: this.label,
        rootCert: this.#o.layout.caCert(org.name),
        clientCert: client.tlsCert,
        clientKey: client.tlsKey,
      });
      const first = this.#firstPeer(org);
      const packageId = (await first.cli(['lifecycle', 'chaincode', 'calculatepackageid', file])).trim();
      for (const peer of this.#peersOf(org)) {
        const installed = await peer.cli(['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json']);
        if (!installed.includes(packageId)) {
          await peer.cli(['lifecycle', 'chaincode', 'install', file], 300_000);
        }
      }
      ids.set(org.name, packageId);
    }
    return ids;
  }

  /** Starts (or keeps) one chaincode server per peer and waits until each accepts connections. */
  async startServers(packageIds: ReadonlyMap<string, string>): Promise<void> {
    for (const org of this.#o.topology.organisations) {
      const packageId = packageIds.get(org.name);
      if (packageId === undefined) {
        throw new Error(`no package ID for ${org.name}`);
      }
      for (const p of org.peers) {
        const tls = new IdentityFiles(this.#o.layout.identity(org.name, `chaincode.${p.name}`));
        this.#o.supervisor.start({
          name: `chaincode.${p.name}`,
          command: projectNode(),
          args: [
            join(projectRoot, 'node_modules', 'fabric-shim', 'cli.js'),
            'server',
            '--chaincode-address',
            address(p.chaincodeServer),
            '--chaincode-id',
            packageId,
            '--chaincode-tls-cert-file',
            tls.tlsCert,
            '--chaincode-tls-key-file',
            tls.tlsKey,
            '--chaincode-tls-client-cacert-file',
            this.#o.layout.caCert(org.name),
            '--module-path',
            process.env.ISL_CHAINCODE_DIR ?? join(projectRoot, 'chaincode'),
          ],
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            ISL_CHAINCODE_NAME: this.#o.topology.chaincode.name,
            CORE_CHAINCODE_LOGGING_LEVEL: shimLogLevel(this.#o.topology.logging),
            CORE_CHAINCODE_LOGGING_SHIM: shimLogLevel(this.#o.topology.logging),
          },
        });
      }
    }
    for (const p of this.#o.topology.organisations.flatMap((o) => o.peers)) {
      const name = `chaincode.${p.name}`;
      await waitFor(
        `${name} to listen on ${address(p.chaincodeServer)}`,
        () => this.#o.supervisor.isRunning(name) && canConnect(p.chaincodeServer.host, p.chaincodeServer.port),
        {
          timeoutMs: 60_000,
          hint: `see ${this.#o.supervisor.logOf(name)}`,
        },
      );
    }
  }

  #ordererArgs(org: Organisation): string[] {
    const orderer = this.#o.orderers.find((o) => o.node.org === org.name) ?? this.#o.orderers[0];
    if (!orderer) {
      throw new Error('no orderer');
    }
    const admin = new IdentityFiles(this.#o.layout.identity(org.name, 'admin'));
    return [
      '-o',
      address(orderer.node.endpoint),
      '--tls',
      '--cafile',
      orderer.tls.tlsCa,
      '--clientauth',
      '--certfile',
      admin.tlsCert,
      '--keyfile',
      admin.tlsKey,
    ];
  }

  #definitionArgs(sequence: number, policy: string | undefined): string[] {
    const { channel, chaincode } = this.#o.topology;
    const args = ['--channelID', channel, '--name', chaincode.name, '--version', chaincode.version, '--sequence', String(sequence)];
    return policy === undefined ? args : [...args, '--signature-policy', policy];
  }

  /** One organisation's admin approves the definition for its organisation (waits for the commit). */
  async approve(org: Organisation, packageId: string, sequence: number, policy?: string): Promise<void> {
    await this.#firstPeer(org).cli([
      'lifecycle',
      'chaincode',
      'approveformyorg',
      ...this.#ordererArgs(org),
      ...this.#definitionArgs(sequence, policy),
      '--package-id',
      packageId,
      '--waitForEventTimeout',
      '60s',
    ]);
  }

  /** The package ID this organisation approved the definition at `sequence` with; undefined when it has not approved it. */
  async approvedPackage(org: Organisation, sequence: number): Promise<string | undefined> {
    const { channel, chaincode } = this.#o.topology;
    try {
      const out = await this.#firstPeer(org).cli([
        'lifecycle',
        'chaincode',
        'queryapproved',
        '--channelID',
        channel,
        '--name',
        chaincode.name,
        '--sequence',
        String(sequence),
        '--output',
        'json',
      ]);
      const approved = JSON.parse(out) as { version?: string; source?: { Type?: { LocalPackage?: { package_id?: string } } } };
      return approved.version === chaincode.version ? (approved.source?.Type?.LocalPackage?.package_id ?? '') : undefined;
    } catch (err) {
      if (err instanceof Error && /could not fetch approved chaincode definition|not found/i.test(err.message)) {
        return undefined;
      }
      throw err;
    }
  }

  /** Which organisations have approved the definition at this sequence. */
  async approvals(sequence: number, policy?: string): Promise<Record<string, boolean>> {
    const org = this.#o.topology.organisations[0];
    if (!org) {
      throw new Error('no organisation');
    }
    const out = await this.#firstPeer(org).cli([
      'lifecycle',
      'chaincode',
      'checkcommitreadiness',
      ...this.#definitionArgs(sequence, policy),
      '--output',
      'json',
    ]);
    return (JSON.parse(out) as { approvals: Record<string, boolean> }).approvals;
  }

  /**
   * Commits the definition, endorsed by `endorsers` (default: one peer of every
   * organisation here); the lifecycle endorsement policy decides how many
   * organisations' peers that takes. Returns the commit's transaction ID.
   */
  async commit(sequence: number, policy?: string, endorsers?: readonly EndorsingPeer[]): Promise<string> {
    const [org] = this.#o.topology.organisations;
    if (!org) {
      throw new Error('no organisation');
    }
    const peers =
      endorsers ??
      this.#o.topology.organisations.map((o): EndorsingPeer => {
        const peer = this.#firstPeer(o);
        return { endpoint: peer.node.endpoint, tlsCaCert: peer.tls.tlsCa };
      });
    const targets = peers.flatMap((p) => ['--peerAddresses', address(p.endpoint), '--tlsRootCertFiles', p.tlsCaCert]);
    // The CLI names the transaction only in its info log.
    const out = await this.#firstPeer(org).cli(
      ['lifecycle', 'chaincode', 'commit', ...this.#ordererArgs(org), ...this.#definitionArgs(sequence, policy), ...targets, '--waitForEventTimeout', '60s'],
      120_000,
      'INFO',
    );
    const txId = /txid \[([0-9a-f]+)\] committed with status \(VALID\)/.exec(out)?.[1];
    if (txId === undefined) {
      throw new Error(`${this.label}: the commit of sequence ${String(sequence)} reported no valid transaction:\n${out}`);
    }
    return txId;
  }

  /** The committed definition, or undefined when none is committed yet. */
  async committed(org?: Organisation): Promise<CommittedDefinition | undefined> {
    const target = org ?? this.#o.topology.organisations[0];
    if (!target) {
      throw new Error('no organisation');
    }
    const { channel, chaincode } = this.#o.topology;
    try {
      const out = await this.#firstPeer(target).cli([
        'lifecycle',
        'chaincode',
        'querycommitted',
        '--channelID',
        channel,
        '--name',
        chaincode.name,
        '--output',
        'json',
      ]);
      const def = JSON.parse(out) as { sequence: number; version: string; validation_parameter: string };
      return { sequence: def.sequence, version: def.version, endorsementPolicy: describePolicy(def.validation_parameter) };
    } catch (err) {
      if (err instanceof Error && /namespace .* is not defined|not found/i.test(err.message)) {
        return undefined;
      }
      throw err;
    }
  }
}

/** The definition's endorsement policy as text (see policy-text.ts). */
function describePolicy(validationParameterB64: string): string {
  return describeValidationParameter(Buffer.from(validationParameterB64, 'base64'));
}

/** Whether a TCP connection to host:port opens within 1 s. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * The topology's level in the words fabric-shim understands: it knows Fabric's
 * `WARNING`, not `WARN`, and silently falls back to `info` for anything else —
 * which logged a line per invocation (a measurable share of the chaincode's CPU
 * under load, docs/performance.md).
 */
export function shimLogLevel(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'): string {
  return level === 'WARN' ? 'WARNING' : level;
}
