import { concat, sha256, utf8 } from './bytes';

/**
 * Reads a recovery code (docs/wallet.md, "Recovery code"): Crockford base32 of
 * 0x01 ‖ master secret (32) ‖ SHA-256("isl/v1/recovery-code" ‖ 0x01 ‖ secret)[0..4].
 * Case, spaces and dashes are ignored; O, I and L read as 0, 1 and 1.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PAYLOAD = 37;

export class RecoveryCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryCodeError';
  }
}

function decodeBase32(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length !== Math.ceil((PAYLOAD * 8) / 5)) return undefined;
  const out = new Uint8Array(PAYLOAD);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const symbol of text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1')) {
    const value = ALPHABET.indexOf(symbol);
    if (value < 0) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  return buffer === 0 ? out : undefined;
}

/** The master secret in a recovery code; the checksum is checked before the version, so any typo reads as a typo. */
export async function decodeRecoveryCode(code: string): Promise<Uint8Array<ArrayBuffer>> {
  const decoded = decodeBase32(code.replace(/[\s-]/g, ''));
  if (decoded === undefined) throw new RecoveryCodeError('This recovery code has the wrong length or a character that cannot be in one.');
  const body = decoded.slice(0, 33);
  const sum = (await sha256(concat(utf8('isl/v1/recovery-code'), body))).subarray(0, 4);
  if (sum.some((b, i) => b !== decoded[33 + i])) throw new RecoveryCodeError('This recovery code does not check out: look for a typo.');
  if (body[0] !== 1) throw new RecoveryCodeError('This recovery code is of a version this portal does not know.');
  return body.slice(1);
}
