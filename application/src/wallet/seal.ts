import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

import { WalletError } from './errors';

/** scrypt cost. Stored in the file so it can be raised later without breaking old wallets. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's scrypt recommendation (128 MiB, about half a second). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/**
 * Bounds enforced on create AND on open: the floor stops a tampered file from
 * downgrading the cost (the key is reused on save); the ceiling stops it from
 * asking for gigabytes of memory.
 */
const MIN_N = 2 ** 15;
const MAX_N = 2 ** 20;
const MAX_MEMORY = 2 ** 30;

export const WALLET_FILE_FORMAT = 'isl-wallet';
export const WALLET_FILE_VERSION = 1;

const SALT_LENGTH = 16;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

const base64url = (bytes: number | { min: number }) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .refine((text) => {
      const length = Buffer.from(text, 'base64url').length;
      return typeof bytes === 'number' ? length === bytes : length >= bytes.min;
    }, 'wrong length');

const walletFileSchema = z.strictObject({
  format: z.literal(WALLET_FILE_FORMAT),
  version: z.literal(WALLET_FILE_VERSION),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
    salt: base64url({ min: SALT_LENGTH }),
  }),
  /** HMAC under a passphrase-derived key: tells a wrong passphrase from a damaged ciphertext. */
  check: base64url(32),
  cipher: z.strictObject({
    name: z.literal('A256GCM'),
    iv: base64url(IV_LENGTH),
    tag: base64url(TAG_LENGTH),
  }),
  ciphertext: base64url({ min: 0 }),
});

type WalletFile = z.infer<typeof walletFileSchema>;

function assertValidScryptParams(params: ScryptParams, code: 'INVALID_ARGUMENT' | 'CORRUPT_WALLET'): void {
  const { N, r, p } = params;
  const ok =
    Number.isSafeInteger(N) &&
    Number.isSafeInteger(r) &&
    Number.isSafeInteger(p) &&
    N >= MIN_N &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    r >= 1 &&
    r <= 32 &&
    p >= 1 &&
    p <= 16 &&
    128 * N * r <= MAX_MEMORY;
  if (!ok) {
    throw new WalletError(code, `Unacceptable scrypt parameters N=${N} r=${r} p=${p} (need N a power of two, 2^15 <= N <= 2^20)`);
  }
}

/**
 * The passphrase-derived keys of one wallet file. Kept by an open wallet so
 * that save() needs no passphrase and no second scrypt run.
 */
export class SealKey {
  readonly #params: ScryptParams;
  readonly #salt: Buffer;
  readonly #encryptionKey: Buffer;
  readonly #checkKey: Buffer;

  private constructor(params: ScryptParams, salt: Buffer, derived: Buffer) {
    this.#params = params;
    this.#salt = salt;
    this.#encryptionKey = derived.subarray(0, 32);
    this.#checkKey = derived.subarray(32, 64);
  }

  /** A key with a fresh random salt, for a new wallet or a passphrase change. */
  static async create(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<SealKey> {
    assertValidScryptParams(params, 'INVALID_ARGUMENT');
    return SealKey.#derive(passphrase, { N: params.N, r: params.r, p: params.p }, randomBytes(SALT_LENGTH));
  }

  static async #derive(passphrase: string, params: ScryptParams, salt: Buffer): Promise<SealKey> {
    if (passphrase.length === 0) {
      throw new WalletError('INVALID_ARGUMENT', 'Passphrase must not be empty');
    }
    // NFC so the same passphrase typed on different systems gives the same bytes.
    const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
    const derived = await new Promise<Buffer>((resolve, reject) => {
      scrypt(secret, salt, 64, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => {
        if (err) reject(err);
        else resolve(key);
      });
    });
    return new SealKey(params, salt, derived);
  }

  get params(): ScryptParams {
    return this.#params;
  }

  /** Encrypt wallet contents into the JSON text of a wallet file. A fresh IV every time. */
  seal(plaintext: Uint8Array): string {
    const header = this.#header();
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const file: WalletFile = {
      ...header,
      check: this.#check(header),
      cipher: { name: 'A256GCM', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') },
      ciphertext: ciphertext.toString('base64url'),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  /** Decrypt a wallet file's text with a passphrase; returns the contents and the key for later saves. */
  static async unseal(text: string, passphrase: string): Promise<{ plaintext: Buffer; key: SealKey }> {
    const file = parseWalletFile(text);
    assertValidScryptParams(file.kdf, 'CORRUPT_WALLET');
    const params = { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p };
    const key = await SealKey.#derive(passphrase, params, Buffer.from(file.kdf.salt, 'base64url'));

    const header = key.#header();
    if (!timingSafeEqual(Buffer.from(key.#check(header), 'base64url'), Buffer.from(file.check, 'base64url'))) {
      // Also what an altered salt or cost looks like: indistinguishable, by design of a KDF.
      throw new WalletError('WRONG_PASSPHRASE', 'Wrong passphrase for this wallet');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.#encryptionKey, Buffer.from(file.cipher.iv, 'base64url'));
      decipher.setAAD(additionalData(header));
      decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64url'));
      const plaintext = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64url')), decipher.final()]);
      return { plaintext, key };
    } catch (err) {
      throw new WalletError('CORRUPT_WALLET', 'Wallet ciphertext failed authentication (file damaged or altered)', { cause: err });
    }
  }

  #header(): Pick<WalletFile, 'format' | 'version' | 'kdf'> {
    return {
      format: WALLET_FILE_FORMAT,
      version: WALLET_FILE_VERSION,
      kdf: { name: 'scrypt', ...this.#params, salt: this.#salt.toString('base64url') },
    };
  }

  #check(header: Pick<WalletFile, 'format' | 'version' | 'kdf'>): string {
    return createHmac('sha256', this.#checkKey).update('isl/v1/wallet/passphrase-check\n').update(additionalData(header)).digest('base64url');
  }
}

/** Binds the ciphertext to its header, so no header field can be swapped without detection. */
function additionalData(header: Pick<WalletFile, 'format' | 'version' | 'kdf'>): Buffer {
  const { kdf } = header;
  return Buffer.from(`${header.format}/${header.version}/${kdf.name}/${kdf.N}/${kdf.r}/${kdf.p}/${kdf.salt}`, 'utf8');
}

function parseWalletFile(text: string): WalletFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WalletError('CORRUPT_WALLET', 'Wallet file is not valid JSON', { cause: err });
  }
  if (typeof json === 'object' && json !== null && 'version' in json && typeof json.version === 'number' && json.version > WALLET_FILE_VERSION) {
    throw new WalletError('UNSUPPORTED_VERSION', `Wallet file version ${json.version} is newer than this software supports`);
  }
  const parsed = walletFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new WalletError('CORRUPT_WALLET', `Wallet file is malformed: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
