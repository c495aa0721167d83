/**
 * Crockford base32: case-insensitive, no U, and the look-alikes O/I/L read as
 * 0/1/1 — chosen because recovery codes are copied by hand.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const DECODE: ReadonlyMap<string, number> = new Map([
  ...ALPHABET.split('').map((symbol, value): [string, number] => [symbol, value]),
  ['O', 0],
  ['I', 1],
  ['L', 1],
]);

export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  }
  return out;
}

/**
 * Decode to exactly `byteLength` bytes. Returns undefined, rather than
 * throwing, for an unknown symbol, wrong length or non-zero padding bits, so
 * the caller can report one error for every kind of typo.
 */
export function decodeBase32(text: string, byteLength: number): Uint8Array | undefined {
  if (text.length !== Math.ceil((byteLength * 8) / 5)) {
    return undefined;
  }
  const out = new Uint8Array(byteLength);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const symbol of text.toUpperCase()) {
    const value = DECODE.get(symbol);
    if (value === undefined) {
      return undefined;
    }
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
