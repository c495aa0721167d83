import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CertificateAuthority } from '../ca/certificate-authority';
import { IdentityFiles, loopbackHosts } from '../ca/identity';
import { nodeOusConfig } from '../ca/msp';
import type { ChannelMember } from '../config/configtx';
import type { OrganisationProfile } from '../connection-profile';
import { writeNodeConfig } from '../config/node-config';
import type { FabricHome } from '../fabric-home';
import { Orderer } from '../node/orderer';
import { Peer } from '../node/peer';
import { type Placement, Supervisor } from '../process/supervisor';
import { waitFor } from '../process/wait';
import { NetworkState } from '../state';
import type { Organisation } from '../topology/topology';
import { bundleFormat, maxBundleBytes, parseBundle, serialiseBundle, type MemberBundle } from './bundle';
import { loadMemberConfig, memberConfigText, memberOrganisation, parseMemberConfig, type MemberConfig } from './member-config';
import { MemberError } from './member-error';
import { MemberHome } from './member-home';

export interface MemberOptions {
  readonly home: MemberHome;
  readonly fabric: FabricHome;
  readonly log?: (message: string) => void;
  /** The member's host, when this process is not on it (the local consortium on test hosts): its processes are started there. */
  readonly placement?: Placement;
}

/**
 * One organisation on its own host, from its home: its Fabric CA and the
 * identities enrolled through it, its orderer and peers, the bundles it
 * exports and imports. Run it on the member's host: every process it starts
 * listens on the member's address.
 */
export class Member {
  readonly home: MemberHome;
  readonly config: MemberConfig;
  readonly org: Organisation;
  readonly supervisor: Supervisor;
  readonly ca: CertificateAuthority;
  readonly #fabric: FabricHome;
  readonly #log: (message: string) => void;

  constructor(options: MemberOptions) {
    this.home = options.home;
    this.config = loadMemberConfig(this.home.config);
    this.org = memberOrganisation(this.config);
    this.#fabric = options.fabric;
    this.#log = options.log ?? (() => undefined);
    this.supervisor = new Supervisor(this.home.layout, options.placement);
    const state = (): NetworkState => NetworkState.load(this.home.layout.state);
    this.ca = new CertificateAuthority({
      fabric: this.#fabric,
      layout: this.home.layout,
      supervisor: this.supervisor,
      org: this.org,
      secret: (id) => state().secret(`${this.org.name}/${id}`),
      // A member on loopback (the local consortium) is reached as localhost too: clients name it so (gateway/connect.ts).
      tlsHosts: this.config.address === '127.0.0.1' ? loopbackHosts : [this.config.address],
    });
  }

  /**
   * Writes the member's description into an empty home (or one that holds the
   * same description: init is re-runnable); refuses a home of another member.
   */
  static create(home: MemberHome, config: MemberConfig): void {
    const checked = parseMemberConfig(config, 'the member description');
    const text = memberConfigText(checked);
    if (existsSync(home.config)) {
      if (readFileSync(home.config, 'utf8') !== text) {
        throw new MemberError('MEMBER_HOME_TAKEN', `${home.root} already holds another member description (${home.config}); choose an empty folder`);
      }
      return;
    }
    mkdirSync(home.root, { recursive: true, mode: 0o700 });
    writeFileSync(home.config, text, { mode: 0o600 });
  }

  /** Starts the member's CA and, the first time, enrols every identity through it; exports the bundle. */
  async init(): Promise<void> {
    this.#log(`starting ${this.ca.name} on ${this.ca.url}`);
    this.ca.start();
    await this.ca.ready();
    const state = NetworkState.load(this.home.layout.state);
    if (!state.isDone('crypto')) {
      this.#log('enrolling the orderer, peers, admin, gateway client, image source and chaincode identities');
      await this.ca.enrolAll();
      NetworkState.load(this.home.layout.state).markDone('crypto');
    }
    writeFileSync(this.home.exportedBundle, serialiseBundle(this.bundle()));
  }

  /** The member's public bundle, from the files in its home. */
  bundle(): MemberBundle {
    const { layout } = this.home;
    const caCert = readFileSync(layout.caCert(this.org.name), 'utf8');
    const [anchor] = this.org.peers;
    if (!anchor) {
      throw new Error(`${this.org.name} has no peer`);
    }
    return {
      format: bundleFormat,
      name: this.org.name,
      mspId: this.org.mspId,
      description: this.org.description,
      msp: { caCert, tlsCaCert: caCert, nodeOUs: nodeOusConfig('cacerts/ca.pem') },
      anchorPeers: [anchor.endpoint],
      orderer: { endpoint: this.org.orderer.endpoint, tlsCert: readFileSync(this.ordererIdentity.tlsCert, 'utf8') },
    };
  }

  /** What a gateway connection to this member's first peer needs, acting as its client (or its admin). */
  gatewayProfile(): OrganisationProfile {
    const [peer] = this.org.peers;
    if (!peer) {
      throw new Error(`${this.org.name} has no peer`);
    }
    const caCert = this.home.layout.caCert(this.org.name);
    const files = (id: string): OrganisationProfile['client'] => {
      const identity = new IdentityFiles(this.home.layout.identity(this.org.name, id));
      return { cert: identity.signCert, key: identity.signKey, tlsCert: identity.tlsCert, tlsKey: identity.tlsKey };
    };
    return {
      name: this.org.name,
      mspId: this.org.mspId,
      description: this.org.description,
      ca: { url: this.ca.url, name: this.ca.name, caCert },
      peers: [{ name: peer.name, endpoint: peer.endpoint, tlsCaCert: caCert }],
      gateway: this.org.gateway,
      imageSource: this.org.imageSource,
      client: files('client'),
      admin: files('admin'),
    };
  }

  get ordererIdentity(): IdentityFiles {
    return new IdentityFiles(this.home.layout.identity(this.org.name, this.org.orderer.name));
  }

  get admin(): IdentityFiles {
    return new IdentityFiles(this.home.layout.identity(this.org.name, 'admin'));
  }

  /**
   * Keeps another member's bundle (checked, no private key); a second import of
   * the same MSP must be identical.
   */
  importBundle(file: string): MemberBundle {
    const size = existsSync(file) ? readFileSync(file).length : 0;
    if (size > maxBundleBytes) {
      throw new MemberError('BUNDLE_TOO_LARGE', `${file}: ${String(size)} bytes; a member bundle is at most ${String(maxBundleBytes)}`);
    }
    const text = readFileSync(file, 'utf8');
    const bundle = parseBundle(text, file);
    if (bundle.mspId === this.org.mspId) {
      throw new MemberError('BUNDLE_OWN_MSP', `${file} is a bundle of ${bundle.mspId}, this member's own MSP ID; import only the other members' bundles`);
    }
    const held = this.home.heldBundle(bundle.mspId);
    const canonical = serialiseBundle(bundle);
    if (existsSync(held) && readFileSync(held, 'utf8') !== canonical) {
      throw new MemberError(
        'BUNDLE_CONFLICT',
        `${file}: this home already holds a different bundle of ${bundle.mspId} (${held}); remove it first if ${bundle.mspId} really changed its material`,
      );
    }
    mkdirSync(dirname(held), { recursive: true });
    writeFileSync(held, canonical);
    return bundle;
  }

  /** The other members' bundles this home holds, by MSP ID. */
  heldBundles(): Map<string, MemberBundle> {
    const dir = this.home.bundles;
    if (!existsSync(dir)) {
      return new Map();
    }
    return new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => {
          const bundle = parseBundle(readFileSync(join(dir, f), 'utf8'), join(dir, f));
          return [bundle.mspId, bundle] as const;
        }),
    );
  }

  /** Writes a bundle's MSP folder and consenter certificate as the channel configuration takes them. */
  channelMember(bundle: MemberBundle): ChannelMember {
    const m = this.home.memberMaterial(bundle.mspId);
    for (const [sub, pem] of [
      ['cacerts', bundle.msp.caCert],
      ['tlscacerts', bundle.msp.tlsCaCert],
    ] as const) {
      mkdirSync(join(m.msp, sub), { recursive: true });
      writeFileSync(join(m.msp, sub, 'ca.pem'), pem);
    }
    writeFileSync(join(m.msp, 'config.yaml'), bundle.msp.nodeOUs);
    writeFileSync(m.consenterTlsCert, bundle.orderer.tlsCert);
    return { mspId: bundle.mspId, mspDir: m.msp, anchorPeers: bundle.anchorPeers, orderer: bundle.orderer.endpoint, consenterTlsCert: m.consenterTlsCert };
  }

  get orderer(): Orderer {
    return new Orderer(this.#nodeContext(), this.org.orderer);
  }

  get peers(): Peer[] {
    const context = this.#nodeContext();
    return this.org.peers.map((p) => new Peer(context, p));
  }

  /** The TLS CA certificates its nodes trust: its own CA's and those of the bundles held now (written from them). */
  trustedTlsCaCerts(): string[] {
    const others = [...this.heldBundles().values()].map((b) => {
      this.channelMember(b);
      return this.home.memberMaterial(b.mspId).tlsCaCert;
    });
    return [this.home.layout.caCert(this.org.name), ...others];
  }

  #nodeContext(): ConstructorParameters<typeof Orderer>[0] {
    const tlsCaCerts = this.trustedTlsCaCerts();
    return {
      fabric: this.#fabric,
      layout: this.home.layout,
      topology: { organisations: [this.org], logging: this.config.logging },
      supervisor: this.supervisor,
      tlsCaCerts,
    };
  }

  /**
   * Starts the CA (if stopped), the orderer and the peers, trusting the TLS CAs
   * of the bundles held now; waits until each is healthy.
   */
  async start(): Promise<void> {
    this.ca.start();
    await this.ca.ready();
    const context = this.#nodeContext();
    const orderer = new Orderer(context, this.org.orderer);
    const peers = this.org.peers.map((p) => new Peer(context, p));
    writeNodeConfig(this.#fabric, this.home.layout.config, context.tlsCaCerts ?? []);
    this.#log(`starting ${orderer.node.name} and ${peers.map((p) => p.node.name).join(', ')} on ${this.config.address}`);
    orderer.start();
    for (const p of peers) {
      p.start();
    }
    const healthy = async (name: string, check: () => Promise<boolean>): Promise<void> => {
      await waitFor(`${name} to report healthy on /healthz`, async () => this.supervisor.isRunning(name) && (await check()), {
        timeoutMs: 60_000,
        hint: `see ${this.supervisor.logOf(name)}`,
      });
    };
    await Promise.all([healthy(orderer.node.name, () => orderer.healthy()), ...peers.map((p) => healthy(p.node.name, () => p.healthy()))]);
  }

  /** Stops the member's processes: chaincode servers and peers, orderer, then CA. */
  async stop(): Promise<void> {
    await Promise.all(this.org.peers.flatMap((p) => [this.supervisor.stop(`chaincode.${p.name}`), this.supervisor.stop(p.name)]));
    await this.supervisor.stop(this.org.orderer.name);
    await this.supervisor.stop(this.org.ca.name);
  }
}
