import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

import { WalletError } from './errors';

export interface WalletStoreOptions {
  /** Wallet file path. Defaults to {@link defaultWalletPath}. */
  readonly path?: string;
  /** Environment to read ISL_WALLET from; tests pass their own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for the default path; tests pass their own. */
  readonly homeDir?: string;
}

/** `$ISL_WALLET` if set, else `~/.isl/wallet.json`. */
export function defaultWalletPath(env: Readonly<Record<string, string | undefined>> = process.env, homeDir: string = homedir()): string {
  const fromEnv = env.ISL_WALLET;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homeDir, '.isl', 'wallet.json');
}

/**
 * Reads and writes one wallet file. Knows nothing of its contents: every
 * write replaces the whole file atomically, so a crash leaves either the old
 * wallet or the new one, never half of each.
 */
export class WalletStore {
  readonly path: string;

  constructor(options: WalletStoreOptions = {}) {
    this.path = options.path !== undefined ? resolve(options.path) : defaultWalletPath(options.env, options.homeDir);
  }

  async exists(): Promise<boolean> {
    try {
      await stat(this.path);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async read(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) {
        throw new WalletError('WALLET_NOT_FOUND', `No wallet at ${this.path}`, { cause: err });
      }
      throw err;
    }
  }

  /** Replace the wallet file. */
  async write(text: string): Promise<void> {
    await this.#writeVia(text, (tmp) => rename(tmp, this.path));
  }

  /** Write a new wallet file; WALLET_EXISTS rather than overwrite one (a lost master secret is unrecoverable). */
  async create(text: string): Promise<void> {
    await this.#writeVia(text, async (tmp) => {
      // link() fails if the target exists, unlike rename(): an atomic "create if absent".
      try {
        await link(tmp, this.path);
      } catch (err) {
        if (isErrno(err, 'EEXIST')) {
          throw new WalletError('WALLET_EXISTS', `A wallet already exists at ${this.path}`, { cause: err });
        }
        throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    });
  }

  async #writeVia(text: string, commit: (tmp: string) => Promise<void>): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    // 0600 from the first byte: never a moment when others can read it.
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    try {
      await commit(tmp);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncDirectory(dir);
  }
}

/** Makes the rename durable; best effort, as some platforms cannot open directories. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability only; the write itself succeeded.
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
