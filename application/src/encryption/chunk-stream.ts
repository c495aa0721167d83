import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { EncryptionError } from './errors';

/** AES-256-GCM authentication tag bytes, appended to every chunk. */
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** The plaintext chunk size a source uses, and the bounds a recipient accepts (its memory per instance). */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
export const MIN_CHUNK_BYTES = 1;
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Counters are 11 bytes on the wire; 2^48 chunks is far beyond any instance and exact in a JS number. */
const MAX_CHUNKS = 2 ** 48;

/**
 * The 96-bit GCM nonce of chunk `index`: an 11-byte big-endian counter, then
 * 0x01 for the last chunk and 0x00 otherwise (the STREAM construction of
 * Hoang, Reyhanitabar, Rogaway and Vizár, as in age). The key is fresh per
 * instance, so counter nonces never repeat under one key.
 */
export function chunkNonce(index: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_CHUNKS) throw new EncryptionError('ENCRYPTED_CONTENT_INVALID', 'too many chunks');
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new Error(`content key must be ${String(KEY_BYTES)} bytes`);
}

export function checkChunkBytes(chunkBytes: number): void {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `chunk size must be an integer in [${String(MIN_CHUNK_BYTES)}, ${String(MAX_CHUNK_BYTES)}]`);
  }
}

/**
 * Cuts a byte stream into blocks of `size` bytes, handing a full block on only
 * once a byte after it arrives: whatever is held when the stream ends is the
 * last block (0..size bytes). Holds at most one block.
 */
class HeldBlocks {
  readonly #block: Buffer;
  #filled = 0;

  constructor(size: number) {
    this.#block = Buffer.alloc(size);
  }

  push(data: Uint8Array, onBlock: (block: Buffer) => void): void {
    let at = 0;
    while (at < data.length) {
      if (this.#filled === this.#block.length) {
        onBlock(this.#block);
        this.#filled = 0;
      }
      const n = Math.min(this.#block.length - this.#filled, data.length - at);
      this.#block.set(data.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
    }
  }

  /** The held (last) block. */
  get held(): Buffer {
    return this.#block.subarray(0, this.#filled);
  }
}

/**
 * Encrypts a byte stream in chunks of `chunkBytes` plaintext bytes, each
 * sealed with its own tag: ciphertext is handed on as it is made, and at most
 * one chunk of plaintext is held. A chunk is known to be the last only when the
 * input ends, so a full chunk waits until one more byte arrives.
 */
export class ChunkSealer {
  /** A KeyObject made once: a raw key given to every createCipheriv is imported again per chunk (seen in the profile). */
  readonly #key: KeyObject;
  readonly #blocks: HeldBlocks;
  #index = 0;
  #done = false;

  constructor(key: Uint8Array, chunkBytes = DEFAULT_CHUNK_BYTES) {
    checkKey(key);
    checkChunkBytes(chunkBytes);
    this.#key = createSecretKey(key);
    this.#blocks = new HeldBlocks(chunkBytes);
  }

  /** Sealed chunks made from `data` (possibly none). */
  update(data: Uint8Array): Buffer[] {
    if (this.#done) throw new Error('the sealer is finished');
    const out: Buffer[] = [];
    // More input follows a full chunk: it is not the last.
    this.#blocks.push(data, (block) => out.push(this.#seal(block, false)));
    return out;
  }

  /** The last chunk (empty plaintext only when the whole input was empty). */
  final(): Buffer {
    if (this.#done) throw new Error('the sealer is finished');
    this.#done = true;
    return this.#seal(this.#blocks.held, true);
  }

  #seal(plaintext: Buffer, last: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.#key, chunkNonce(this.#index++, last));
    const body = cipher.update(plaintext);
    cipher.final();
    return Buffer.concat([body, cipher.getAuthTag()], plaintext.length + TAG_BYTES);
  }
}

/**
 * Decrypts what ChunkSealer made, handing on a chunk's plaintext only after
 * its tag verified. The last chunk is the one the input ends with, opened with
 * the last-chunk nonce: a stream cut at a chunk boundary, a chunk moved,
 * dropped or altered, or a wrong key all fail with ENCRYPTED_CONTENT_INVALID.
 */
export class ChunkOpener {
  readonly #key: KeyObject;
  readonly #blocks: HeldBlocks;
  #index = 0;
  #done = false;

  constructor(key: Uint8Array, chunkBytes = DEFAULT_CHUNK_BYTES) {
    checkKey(key);
    checkChunkBytes(chunkBytes);
    this.#key = createSecretKey(key);
    this.#blocks = new HeldBlocks(chunkBytes + TAG_BYTES);
  }

  /** Verified plaintext of the chunks completed by `data` (possibly none). */
  update(data: Uint8Array): Buffer[] {
    if (this.#done) throw new Error('the opener is finished');
    const out: Buffer[] = [];
    this.#blocks.push(data, (block) => out.push(this.#open(block, false)));
    return out;
  }

  /** The input ended: the held chunk must be a valid last chunk. */
  final(): Buffer {
    if (this.#done) throw new Error('the opener is finished');
    this.#done = true;
    const last = this.#blocks.held;
    if (last.length < TAG_BYTES) throw new EncryptionError('ENCRYPTED_CONTENT_INVALID', 'the encrypted content is truncated');
    const plaintext = this.#open(last, true);
    // Only an empty instance has an empty last chunk; otherwise an empty last chunk could be appended.
    if (plaintext.length === 0 && this.#index > 1) throw new EncryptionError('ENCRYPTED_CONTENT_INVALID', 'an empty last chunk after data');
    return plaintext;
  }

  #open(sealed: Buffer, last: boolean): Buffer {
    const length = sealed.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, chunkNonce(this.#index++, last), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(length));
    const body = decipher.update(sealed.subarray(0, length));
    try {
      decipher.final();
    } catch {
      throw new EncryptionError(
        'ENCRYPTED_CONTENT_INVALID',
        `chunk ${String(this.#index - 1)} failed authentication (tampered, reordered, truncated or another key)`,
      );
    }
    return body;
  }
}
