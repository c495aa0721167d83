import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { JWK } from 'jose';
import { organisationHome } from '@isl/network';
import { audienceFor, buildClaims, type Fields, signClaims, type StatementType } from '@isl/chaincode';
import { GatewayClient } from '../client/gateway-client';
import { Wallet, WalletStore, privateJwkOf, type SigningKey } from '../wallet';
import { CliContext, CliError } from './context';

/** The wallet passphrase: ISL_WALLET_PASSPHRASE for scripts, else asked on the terminal. */
export async function passphrase(ctx: CliContext, prompt = 'Wallet passphrase: '): Promise<string> {
  const fromEnv = ctx.env.ISL_WALLET_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== '') {
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new CliError('no passphrase: set ISL_WALLET_PASSPHRASE or run in a terminal');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}

/** The wallet at `path`, else --wallet / ISL_WALLET, else the default place. */
export function walletStore(ctx: CliContext, path?: string): WalletStore {
  const chosen = path ?? ctx.options.wallet ?? ctx.env.ISL_WALLET;
  return new WalletStore(chosen !== undefined ? { path: chosen } : { env: ctx.env });
}

/**
 * Opens an existing wallet; never makes one on the fly, because a new wallet's
 * recovery code must be seen and written down (isl wallet create shows it).
 */
export async function openWallet(ctx: CliContext, path?: string): Promise<Wallet> {
  const store = walletStore(ctx, path);
  if (!(await store.exists())) {
    throw new CliError(`no wallet at ${store.path}: create one with \`isl wallet create\` (ISL_WALLET=${store.path})`);
  }
  return Wallet.open(store, await passphrase(ctx));
}

/** Opens the wallet for `use` and always closes it (wiping the secret from memory). */
export async function withWallet<T>(ctx: CliContext, use: (wallet: Wallet) => Promise<T>): Promise<T> {
  const w = await openWallet(ctx);
  try {
    return await use(w);
  } finally {
    w.close();
  }
}

/** The audience statements are signed for: the running network's channel and chaincode. */
export function audience(ctx: CliContext): string {
  const explicit = ctx.env.ISL_AUDIENCE;
  if (explicit !== undefined && explicit !== '') {
    return explicit;
  }
  const p = ctx.profile();
  return audienceFor(p.channel, p.chaincode);
}

/** Signs a statement of `type` with a wallet key (or a JWK), as docs/protocol.md defines it. */
export async function signStatement<T extends StatementType>(
  ctx: CliContext,
  type: T,
  fields: Fields<T>,
  key: SigningKey | JWK,
  lifetime?: number,
): Promise<string> {
  const jwk = 'privateKey' in key && 'keyId' in key ? privateJwkOf(key) : key;
  return signClaims(await buildClaims(type, fields, jwk, { audience: audience(ctx), ...(lifetime !== undefined ? { lifetime } : {}) }), jwk);
}

/**
 * The gateway client: the token comes from --token/ISL_GATEWAY_TOKEN, or, on a
 * machine running the network, from the organisation's gateway state folder (in its home).
 */
export function gateway(ctx: CliContext): GatewayClient {
  let token = ctx.env.ISL_GATEWAY_TOKEN;
  if (token === undefined || token === '') {
    try {
      const org = ctx.organisation();
      const file = join(organisationHome(ctx.profilePath, org), 'orgs', org.name, 'gateway', 'member-token');
      token = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    } catch {
      token = undefined;
    }
  }
  const minBlock = ctx.options.minBlock ?? ctx.env.ISL_MIN_BLOCK;
  if (minBlock !== undefined && !/^\d{1,19}$/.test(minBlock)) throw new CliError(`--min-block must be a block number, not ${minBlock}`, 2);
  return new GatewayClient({
    baseUrl: ctx.gatewayUrl(),
    ...(token !== undefined ? { token } : {}),
    ...(minBlock !== undefined ? { minBlock: BigInt(minBlock) } : {}),
  });
}

export function readJwkFile(path: string): JWK {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (err) {
    throw new CliError(`cannot read key file ${path}: ${(err as Error).message}`);
  }
}

/** Parses --until as seconds since the epoch, an ISO date, or a relative "30d" / "12h" / "90m". */
export function parseUntil(value: string, now = Date.now()): number {
  const rel = /^(\d+)([dhm])$/.exec(value);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2] === 'd' ? 86_400 : rel[2] === 'h' ? 3_600 : 60;
    return Math.floor(now / 1000) + n * unit;
  }
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new CliError(`--until: "${value}" is not a date, seconds since the epoch, or a duration like 30d`);
  }
  return Math.floor(t / 1000);
}
