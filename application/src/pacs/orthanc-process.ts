import { type ProcessSupervisor, waitFor } from '@isl/network';
import { OrthancClient } from './orthanc-client';
import { ORTHANC_BINARY, OrthancFiles, writeOrthancConfig, type OrthancCredentials } from './orthanc-config';

export interface OrthancProcessOptions {
  /** ProcessSupervisor process name, e.g. orthanc.hospital1. */
  readonly name: string;
  readonly dir: string;
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly aet: string;
  readonly supervisor: ProcessSupervisor;
}

/**
 * One organisation's PACS: Orthanc with the DICOMweb plugin, as a supervised
 * background process (pid and log under the run folder).
 */
export class OrthancProcess {
  readonly files: OrthancFiles;
  readonly #options: OrthancProcessOptions;

  constructor(options: OrthancProcessOptions) {
    this.#options = options;
    this.files = new OrthancFiles(options.dir);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${String(this.#options.httpPort)}`;
  }

  /** Writes the configuration and starts Orthanc (harmless when it already runs). */
  start(): OrthancCredentials {
    const o = this.#options;
    const credentials = writeOrthancConfig({ files: this.files, name: o.name, httpPort: o.httpPort, dicomPort: o.dicomPort, aet: o.aet });
    o.supervisor.start({
      name: o.name,
      command: ORTHANC_BINARY,
      args: [this.files.config],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: this.files.dir,
    });
    return credentials;
  }

  client(credentials: OrthancCredentials): OrthancClient {
    return new OrthancClient(this.baseUrl, credentials);
  }

  /** Waits (bounded) until Orthanc answers /system to our credentials. */
  async ready(credentials: OrthancCredentials, timeoutMs = 60_000): Promise<void> {
    const client = this.client(credentials);
    const { name, supervisor } = this.#options;
    await waitFor(`${name} to answer /system on ${this.baseUrl}`, async () => supervisor.isRunning(name) && (await client.system()).Version !== '', {
      timeoutMs,
      hint: `see ${supervisor.logOf(name)}`,
    });
  }

  async stop(): Promise<void> {
    await this.#options.supervisor.stop(this.#options.name);
  }
}
