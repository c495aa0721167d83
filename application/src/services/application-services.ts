import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { address, type ConnectionProfile, getOperations, type Organisation, type ProcessSupervisor, type Topology, waitFor } from '@isl/network';
import { startImageSourceServices, stopImageSourceServices } from '../imagesource/service';
import { startServiceProcess } from './service-process';

/** What the services need of the running network (a Consortium provides it). */
export interface ServiceHost {
  readonly topology: Topology;
  readonly layout: { readonly connectionProfile: string };
  /** Each organisation's home (its gateway state and image source live there); its processes run from it through the supervisor. */
  home(org: string): { readonly root: string };
  readonly supervisor: ProcessSupervisor;
  connectionProfile(): ConnectionProfile;
}

export interface ApplicationServicesOptions {
  readonly consortium: ServiceHost;
  readonly log?: (message: string) => void;
  readonly logLevel?: string;
}

/**
 * The application side of the consortium: each organisation's gateway
 * application, started as supervised processes beside the network's nodes.
 */
export class ApplicationServices {
  readonly #c: ServiceHost;
  readonly #log: (message: string) => void;
  readonly #logLevel: string;

  constructor(options: ApplicationServicesOptions) {
    this.#c = options.consortium;
    this.#log = options.log ?? (() => undefined);
    this.#logLevel = options.logLevel ?? 'warn';
  }

  gatewayStateDir(org: Organisation): string {
    return join(this.#c.home(org.name).root, 'orgs', org.name, 'gateway');
  }

  gatewayUrl(org: Organisation): string {
    return `http://${address(org.gateway)}`;
  }

  /** The bearer token the organisation's gateway issued for its own systems and local tools. */
  memberToken(org: Organisation): string {
    return readFileSync(join(this.gatewayStateDir(org), 'member-token'), 'utf8').trim();
  }

  /** The bearer token of the organisation's auditors (the audit endpoints accept only auditor tokens). */
  auditorToken(org: Organisation): string {
    return readFileSync(join(this.gatewayStateDir(org), 'auditor-token'), 'utf8').trim();
  }

  async up(): Promise<void> {
    await this.startGateways();
    // Every member runs an image source (Orthanc behind the ITI-43 / WADO-RS service).
    this.#log("starting each organisation's PACS (Orthanc) and image source");
    const profile = this.#c.connectionProfile();
    for (const org of this.#c.topology.organisations) {
      await startImageSourceServices({
        profile,
        org: org.mspId,
        runDir: this.#c.home(org.name).root,
        supervisor: this.#c.supervisor,
        log: this.#log,
        logLevel: this.#logLevel,
      });
    }
  }

  /** Starts each organisation's gateway application (on its member's host) and waits until each is ready. */
  async startGateways(): Promise<void> {
    this.#log("starting each organisation's gateway application");
    for (const org of this.#c.topology.organisations) {
      startServiceProcess(this.#c.supervisor, {
        name: `gateway.${org.name}`,
        entry: 'gateway/main',
        settings: {
          ISL_CONNECTION_PROFILE: this.#c.layout.connectionProfile,
          ISL_ORG: org.mspId,
          ISL_GATEWAY_STATE_DIR: this.gatewayStateDir(org),
          ISL_GATEWAY_HOST: org.gateway.host,
          ISL_LOG_LEVEL: this.#logLevel,
        },
      });
    }
    await Promise.all(
      this.#c.topology.organisations.map((org) =>
        waitFor(
          `gateway.${org.name} to answer /readyz on ${address(org.gateway)}`,
          async () => this.#c.supervisor.isRunning(`gateway.${org.name}`) && (await getOperations(org.gateway, '/readyz')).status === 200,
          { timeoutMs: 90_000, hint: `see ${this.#c.supervisor.logOf(`gateway.${org.name}`)}` },
        ),
      ),
    );
  }

  async down(): Promise<void> {
    const profile = this.#c.connectionProfile();
    for (const org of this.#c.topology.organisations) {
      await stopImageSourceServices({ profile, org: org.mspId, runDir: this.#c.home(org.name).root, supervisor: this.#c.supervisor });
      await this.#c.supervisor.stop(`gateway.${org.name}`);
    }
  }
}
