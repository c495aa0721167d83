import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectionProfile, organisationOf, type OrganisationProfile, projectRoot, readConnectionProfile } from '@isl/network';

/** Options every isl command shares (global flags, each with an environment fallback). */
export interface GlobalOptions {
  readonly json: boolean;
  /** Organisation (MSP ID or name) whose gateway / peer the command uses. */
  readonly org: string | undefined;
  /** The connection profile `npm start` wrote; default .run/consortium/connection.json. */
  readonly profile: string | undefined;
  /** Base URL of a gateway application, e.g. http://127.0.0.1:7050. */
  readonly gateway: string | undefined;
  readonly wallet: string | undefined;
  /** Reads see this block (a write's, possibly made at another gateway). */
  readonly minBlock?: string | undefined;
}

/** A failure the user can act on: printed as one line, exit code 1 (2 for usage). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Resolves what a command needs from flags, environment and the running network's profile. */
export class CliContext {
  readonly options: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  #profile: ConnectionProfile | undefined;

  constructor(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.env = env;
  }

  get profilePath(): string {
    return this.options.profile ?? this.env.ISL_CONNECTION_PROFILE ?? join(projectRoot, '.run', 'consortium', 'connection.json');
  }

  profile(): ConnectionProfile {
    if (!this.#profile) {
      if (!existsSync(this.profilePath)) {
        throw new CliError(`no connection profile at ${this.profilePath}: start the network with npm start, or pass --profile`);
      }
      this.#profile = readConnectionProfile(this.profilePath);
    }
    return this.#profile;
  }

  organisation(): OrganisationProfile {
    const wanted = this.options.org ?? this.env.ISL_ORG;
    const profile = this.profile();
    if (wanted === undefined) {
      const [first] = profile.organisations;
      if (!first) {
        throw new CliError('the connection profile lists no organisation');
      }
      return first;
    }
    try {
      return organisationOf(profile, wanted);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }

  /** The gateway application's base URL: --gateway, ISL_GATEWAY_URL, or the organisation's from the profile. */
  gatewayUrl(): string {
    const explicit = this.options.gateway ?? this.env.ISL_GATEWAY_URL;
    if (explicit !== undefined) {
      return explicit.replace(/\/+$/, '');
    }
    const { host, port } = this.organisation().gateway;
    return `http://${host}:${String(port)}`;
  }

  /** Prints a result: JSON with --json, else the human text. */
  print(result: unknown, human: () => string): void {
    process.stdout.write(this.options.json ? `${JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n` : `${human()}\n`);
  }
}
