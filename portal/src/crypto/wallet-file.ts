import { scryptAsync } from '@noble/hashes/scrypt.js';
import { concat, fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes';
import type { SubtleKey } from './bytes';

/**
 * The `isl` wallet file (docs/wallet.md, version 1) in the browser: scrypt
 * (N, r, p from the file, bounded) gives 64 bytes; the first 32 are the
 * AES-256-GCM key, the last 32 the HMAC key of the passphrase check. scrypt
 * is @noble/hashes' (WebCrypto has none); HMAC and AES-GCM are WebCrypto's.
 */
export class WalletFileError extends Error {
  readonly code: 'WRONG_PASSPHRASE' | 'CORRUPT_WALLET' | 'UNSUPPORTED_VERSION' | 'INVALID_ARGUMENT';
  constructor(code: WalletFileError['code'], message: string) {
    super(message);
    this.name = 'WalletFileError';
    this.code = code;
  }
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

interface Header {
  readonly format: 'isl-wallet';
  readonly version: 1;
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string };
}

interface WalletFile extends Header {
  readonly check: string;
  readonly cipher: { readonly name: 'A256GCM'; readonly iv: string; readonly tag: string };
  readonly ciphertext: string;
}

function validParams({ N, r, p }: ScryptParams): boolean {
  const ints = [N, r, p].every((v) => Number.isSafeInteger(v));
  return ints && N >= 2 ** 15 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 2 ** 30;
}

const b64urlOf = (value: unknown, length?: number): boolean => {
  if (typeof value !== 'string') return false;
  try {
    const n = fromBase64Url(value).length;
    return length === undefined || n === length;
  } catch {
    return false;
  }
};

function parseFile(text: string): WalletFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WalletFileError('CORRUPT_WALLET', 'This file is not a wallet: it is not JSON.');
  }
  const f = json as (Omit<Partial<WalletFile>, 'version'> & { version?: unknown }) | null;
  if (typeof f?.version === 'number' && f.version > 1)
    throw new WalletFileError('UNSUPPORTED_VERSION', `Wallet version ${String(f.version)} is newer than this portal.`);
  const ok =
    f?.format === 'isl-wallet' &&
    f.version === 1 &&
    f.kdf?.name === 'scrypt' &&
    b64urlOf(f.kdf.salt) &&
    fromBase64Url(f.kdf.salt).length >= 16 &&
    b64urlOf(f.check, 32) &&
    f.cipher?.name === 'A256GCM' &&
    b64urlOf(f.cipher.iv, 12) &&
    b64urlOf(f.cipher.tag, 16) &&
    b64urlOf(f.ciphertext);
  if (!ok) throw new WalletFileError('CORRUPT_WALLET', 'This file is not an isl wallet (version 1).');
  if (!validParams(f.kdf)) throw new WalletFileError('CORRUPT_WALLET', 'The wallet asks for unacceptable scrypt parameters.');
  return f as unknown as WalletFile;
}

const additionalData = (h: Header): Uint8Array<ArrayBuffer> =>
  utf8(`${h.format}/${String(h.version)}/${h.kdf.name}/${String(h.kdf.N)}/${String(h.kdf.r)}/${String(h.kdf.p)}/${h.kdf.salt}`);

/** The passphrase-derived keys of one wallet file, kept while it is open so saving needs no passphrase. */
export class SealKey {
  readonly #header: Header;
  readonly #aes: SubtleKey;
  readonly #check: SubtleKey;

  private constructor(header: Header, aes: SubtleKey, check: SubtleKey) {
    this.#header = header;
    this.#aes = aes;
    this.#check = check;
  }

  static async derive(passphrase: string, params: ScryptParams, salt: Uint8Array): Promise<SealKey> {
    if (passphrase.length === 0) throw new WalletFileError('INVALID_ARGUMENT', 'Enter a passphrase.');
    const derived = await scryptAsync(utf8(passphrase.normalize('NFC')), salt, { ...params, dkLen: 64, maxmem: 256 * params.N * params.r + 1024 });
    const aes = await crypto.subtle.importKey('raw', derived.slice(0, 32), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const check = await crypto.subtle.importKey('raw', derived.slice(32, 64), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    derived.fill(0);
    const header: Header = { format: 'isl-wallet', version: 1, kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: toBase64Url(salt) } };
    return new SealKey(header, aes, check);
  }

  static create(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<SealKey> {
    return SealKey.derive(passphrase, params, randomBytes(16));
  }

  async #checkValue(): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', this.#check, concat(utf8('isl/v1/wallet/passphrase-check\n'), additionalData(this.#header)));
    return toBase64Url(new Uint8Array(mac));
  }

  /** The wallet file's text for these contents (fresh IV each time). */
  async seal(plaintext: Uint8Array<ArrayBuffer>): Promise<string> {
    const iv = randomBytes(12);
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(this.#header) }, this.#aes, plaintext));
    const file: WalletFile = {
      ...this.#header,
      check: await this.#checkValue(),
      cipher: { name: 'A256GCM', iv: toBase64Url(iv), tag: toBase64Url(sealed.subarray(sealed.length - 16)) },
      ciphertext: toBase64Url(sealed.subarray(0, sealed.length - 16)),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  /** Opens a wallet file: WRONG_PASSPHRASE when the check fails, CORRUPT_WALLET when the check passes but GCM does not. */
  static async unseal(text: string, passphrase: string): Promise<{ plaintext: Uint8Array<ArrayBuffer>; key: SealKey }> {
    const file = parseFile(text);
    const key = await SealKey.derive(passphrase, file.kdf, fromBase64Url(file.kdf.salt));
    if ((await key.#checkValue()) !== file.check) throw new WalletFileError('WRONG_PASSPHRASE', 'Wrong passphrase for this wallet.');
    try {
      const sealed = concat(fromBase64Url(file.ciphertext), fromBase64Url(file.cipher.tag));
      const iv = fromBase64Url(file.cipher.iv);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: additionalData(file) }, key.#aes, sealed);
      return { plaintext: new Uint8Array(plain), key };
    } catch {
      throw new WalletFileError('CORRUPT_WALLET', 'The wallet file is damaged or was altered.');
    }
  }
}
