import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { PublicJwk } from '@isl/chaincode';
import { agreementPublicJwk } from './agreement-key';
import { ChunkSealer, DEFAULT_CHUNK_BYTES, KEY_BYTES } from './chunk-stream';
import { EncryptionError } from './errors';
import { sealHeader, type SourceKey } from './instance-header';

/** The request header asking for an encrypted release; it must be covered by the request's signature. */
export const ENCRYPTION_HEADER = 'isl-encryption';
/** The one scheme offered: per-instance AES-256-GCM chunks (STREAM), content key wrapped by JWE ECDH-ES+A256KW, header signed by the source. */
export const ENCRYPTION_SCHEME = 'isl-e2e-v1';
/** The media type of one encrypted instance (a WADO-RS part, an ITI-43 attachment). */
export const ENCRYPTED_MEDIA_TYPE = 'application/vnd.isl.encrypted-dicom';

/**
 * Whether the request asks for encryption: false without the header, true
 * for the scheme; anything else is ENCRYPTION_UNSUPPORTED (never a silent
 * plaintext answer to a recipient that asked for ciphertext).
 */
export function encryptionRequested(value: string | readonly string[] | undefined): boolean {
  if (value === undefined) return false;
  const scheme = (Array.isArray(value) ? value.join(',') : (value as string)).trim().toLowerCase();
  if (scheme !== ENCRYPTION_SCHEME) {
    throw new EncryptionError('ENCRYPTION_UNSUPPORTED', `${ENCRYPTION_HEADER} must be "${ENCRYPTION_SCHEME}"`);
  }
  return true;
}

export interface ReleaseSealerOptions {
  /** The source's signing key (it signs every instance header). */
  readonly source: SourceKey;
  /** The recipient's verified signing key (its thumbprint is `recipientId`). */
  readonly recipient: PublicJwk;
  readonly recipientId: string;
  /** The nonce of the request's signature. */
  readonly request: string;
  readonly chunkBytes?: number;
}

/** Where an instance sits in the release. */
export interface InstancePosition {
  readonly study: string;
  readonly index: number;
  readonly count: number;
}

/**
 * Encrypts one release, instance by instance, each with a fresh content key
 * wrapped to the recipient. Made before the first byte of the answer, so an
 * unusable recipient key is refused with a clear code, not a cut stream.
 */
export class ReleaseSealer {
  readonly #options: ReleaseSealerOptions;
  /** The source's signing key and the recipient's agreement key, imported once for every header of the release. */
  readonly #keys: Promise<{ readonly signing: CryptoKey; readonly agreement: CryptoKey }>;

  constructor(options: ReleaseSealerOptions) {
    this.#options = options;
    // Throws ENCRYPTION_KEY_UNUSABLE now, before any byte of the answer.
    const agreementJwk = agreementPublicJwk(options.recipient);
    this.#keys = importKeys(options.source, agreementJwk);
    // Awaited by seal(); a release that seals nothing must not leave it unhandled.
    this.#keys.catch(() => undefined);
  }

  /**
   * Writes the encrypted instance read from `file` through `write` (which
   * waits for the recipient); holds at most one chunk. Answers the plaintext
   * bytes released.
   */
  async seal(file: Readable, write: (bytes: Buffer) => Promise<void>, position: InstancePosition): Promise<number> {
    const chunkBytes = this.#options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const contentKey = randomBytes(KEY_BYTES);
    let size = 0;
    try {
      const keys = await this.#keys;
      const { alg, publicJwk } = this.#options.source;
      const header = await sealHeader({
        source: { signingKey: keys.signing, alg, publicJwk },
        agreementKey: keys.agreement,
        contentKey,
        claims: { recipient: this.#options.recipientId, request: this.#options.request, chunk: chunkBytes, ...position },
      });
      await write(header);
      const sealer = new ChunkSealer(contentKey, chunkBytes);
      for await (const chunk of file) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        for (const sealed of sealer.update(bytes)) await write(sealed);
      }
      await write(sealer.final());
    } finally {
      contentKey.fill(0);
      file.destroy();
    }
    return size;
  }
}

async function importKeys(source: SourceKey, agreementJwk: JWK): Promise<{ signing: CryptoKey; agreement: CryptoKey }> {
  // Asymmetric JWKs import as CryptoKeys (only "oct" keys give bytes).
  const [signing, agreement] = await Promise.all([importJWK(source.privateJwk, source.alg), importJWK(agreementJwk, 'ECDH-ES+A256KW')]);
  return { signing: signing as CryptoKey, agreement: agreement as CryptoKey };
}
