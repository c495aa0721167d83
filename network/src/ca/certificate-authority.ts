import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAnswer } from '@isl/platform';
import { readFileSync } from 'node:fs';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Organisation } from '../topology/topology';
import { address } from '../topology/topology';
import type { Supervisor } from '../process/supervisor';
import { run } from '../process/run';
import { waitFor } from '../process/wait';
import { IdentityFiles, identitiesOf, loopbackHosts, type IdentitySpec } from './identity';
import { normaliseMsp, normaliseTls, writeOrgMsp } from './msp';

export interface CaOptions {
  readonly fabric: FabricHome;
  readonly layout: Layout;
  readonly supervisor: Supervisor;
  readonly org: Organisation;
  /** The bootstrap registrar's and every identity's enrolment secrets (kept in .run/, git-ignored). */
  readonly secret: (id: string) => string;
  /** Host names and addresses the CA's and its identities' TLS certificates name (default: loopback). */
  readonly tlsHosts?: readonly string[];
}

export const caServerEnvironment = { FABRIC_CA_SERVER_LOGLEVEL: 'warning' } as const;

/**
 * fabric-ca-server's arguments once its home holds its configuration and
 * certificates (no registrar secret: only the first start needs it). `listenHost`
 * is 0.0.0.0 in a container, whose published ports carry the CA's address.
 */
export function caServerStartArgs(org: Organisation, home: string, listenHost: string = org.ca.endpoint.host): string[] {
  return [
    'start',
    '--home',
    home,
    '--address',
    listenHost,
    '--port',
    String(org.ca.endpoint.port),
    '--ca.name',
    org.ca.name,
    '--tls.enabled',
    '--operations.listenaddress',
    `${listenHost}:${String(org.ca.operations.port)}`,
    '--metrics.provider',
    'prometheus',
  ];
}

/** One organisation's Fabric CA: its server process, and the identities enrolled through it. */
export class CertificateAuthority {
  readonly #o: CaOptions;

  constructor(options: CaOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.org.ca.name;
  }

  get url(): string {
    return `https://${address(this.#o.org.ca.endpoint)}`;
  }

  get caCert(): string {
    return this.#o.layout.caCert(this.#o.org.name);
  }

  start(): void {
    const { org, layout, fabric } = this.#o;
    const home = layout.caHome(org.name);
    mkdirSync(home, { recursive: true });
    this.#o.supervisor.start({
      name: this.name,
      command: fabric.bin('fabric-ca-server'),
      args: [
        ...caServerStartArgs(org, home),
        '--boot',
        `registrar:${this.#o.secret('registrar')}`,
        '--csr.cn',
        this.name,
        '--csr.hosts',
        (this.#o.tlsHosts ?? loopbackHosts).join(','),
      ],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...caServerEnvironment },
    });
  }

  /** Ready when it answers /cainfo over TLS with the CA certificate it wrote. */
  async ready(timeoutMs = 60_000): Promise<void> {
    await waitFor(`${this.name} to serve /cainfo`, async () => existsSync(this.caCert) && (await getCaInfo(this.url, this.caCert)), {
      timeoutMs,
      hint: `see ${this.#o.supervisor.logOf(this.name)}`,
    });
  }

  /** Registers and enrols every identity of the organisation, and writes its channel MSP. */
  async enrolAll(): Promise<void> {
    const { layout, org } = this.#o;
    const registrarHome = join(layout.caHome(org.name), 'registrar');
    await this.#client(['enroll', '-u', this.#userUrl('registrar'), '-H', registrarHome, '-M', join(registrarHome, 'msp')]);
    for (const spec of identitiesOf(org, this.#o.tlsHosts)) {
      await this.#registerAndEnrol(registrarHome, spec);
    }
    writeOrgMsp(layout.orgMsp(org.name), this.caCert);
  }

  /**
   * Revokes every certificate enrolled for `id` (reason: key compromise) and
   * has the CA sign a new CRL; returns the CRL's file (PEM).
   */
  async revoke(id: string): Promise<string> {
    const registrar = join(this.#o.layout.caHome(this.#o.org.name), 'registrar');
    await this.#client(['revoke', '-u', this.url, '-H', registrar, '-M', join(registrar, 'msp'), '-e', id, '-r', 'keycompromise', '--gencrl']);
    return join(registrar, 'msp', 'crls', 'crl.pem');
  }

  /** Has the CA sign its current CRL (every certificate it revoked); returns the CRL's file (PEM). */
  async crl(): Promise<string> {
    const registrar = join(this.#o.layout.caHome(this.#o.org.name), 'registrar');
    await this.#client(['gencrl', '-u', this.url, '-H', registrar, '-M', join(registrar, 'msp')]);
    return join(registrar, 'msp', 'crls', 'crl.pem');
  }

  identity(id: string): IdentityFiles {
    return new IdentityFiles(this.#o.layout.identity(this.#o.org.name, id));
  }

  async #registerAndEnrol(registrarHome: string, spec: IdentitySpec): Promise<void> {
    await this.#client([
      'register',
      '-u',
      this.url,
      '-H',
      registrarHome,
      '-M',
      join(registrarHome, 'msp'),
      '--id.name',
      spec.id,
      '--id.secret',
      this.#o.secret(spec.id),
      '--id.type',
      spec.type,
    ]);
    const files = this.identity(spec.id);
    rmSync(files.dir, { recursive: true, force: true });
    await this.#client(['enroll', '-u', this.#userUrl(spec.id), '-H', files.dir, '-M', files.msp, '--csr.hosts', spec.hosts.join(',')]);
    normaliseMsp(files.msp);
    const tlsEnrol = join(files.dir, 'tls-enrolment');
    await this.#client([
      'enroll',
      '-u',
      this.#userUrl(spec.id),
      '-H',
      files.dir,
      '-M',
      tlsEnrol,
      '--enrollment.profile',
      'tls',
      '--csr.hosts',
      spec.hosts.join(','),
    ]);
    normaliseTls(tlsEnrol, join(files.dir, 'tls'));
  }

  #userUrl(id: string): string {
    const { host, port } = this.#o.org.ca.endpoint;
    return `https://${id}:${encodeURIComponent(this.#o.secret(id))}@${host}:${String(port)}`;
  }

  async #client(args: string[]): Promise<void> {
    await run(this.#o.fabric.bin('fabric-ca-client'), [...args, '--caname', this.name, '--tls.certfiles', this.caCert], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FABRIC_CA_CLIENT_LOGLEVEL: 'warning' },
    });
  }
}

async function getCaInfo(url: string, caFile: string): Promise<boolean> {
  const answer = await fetchAnswer(`${url}/cainfo`, { ca: readFileSync(caFile), timeoutMs: 2_000 });
  return answer.status === 200;
}
