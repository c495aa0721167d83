import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { importJWK, type JWK } from 'jose';
import type { PartSink } from '../wire/multipart';
import { ChunkOpener } from './chunk-stream';
import { EncryptionError } from './errors';
import { headerLength, openHeader, PREFIX_BYTES, type ExpectedHeader, type HeaderKey } from './instance-header';

/**
 * The recipient's side of an encrypted release: each part is one encrypted
 * instance, decrypted into `<file>.partial` as its chunks verify and renamed to
 * `<file>` only once its last chunk verified. Opening a header is
 * asynchronous, so the caller awaits settle() after each push into the
 * multipart parser: at most one network read waits in memory.
 * On any failure, discard() removes every file of the release.
 */
export class EncryptedRelease {
  readonly #expected: ExpectedHeader;
  /** Imported once for every header of the release (an import per header was a measurable share of its CPU). */
  readonly #agreementKey: Promise<HeaderKey>;
  readonly #instances: EncryptedInstance[] = [];
  /** Instances before this one are complete: settle() visits only the rest (else every read would visit every instance). */
  #firstOpen = 0;

  constructor(expected: ExpectedHeader, agreementPrivateJwk: JWK) {
    this.#expected = expected;
    // An asymmetric JWK imports as a CryptoKey; should that fail, openHeader gets the JWK and says why (ENCRYPTED_HEADER_INVALID).
    this.#agreementKey = importJWK(agreementPrivateJwk, 'ECDH-ES+A256KW').then(
      (key): HeaderKey => key as HeaderKey,
      () => agreementPrivateJwk,
    );
  }

  /** The sink of the next part, decrypting into `file`; `count` receives plaintext bytes. */
  sink(file: string, count: (n: number) => void): PartSink {
    const instance = new EncryptedInstance(file, this.#instances.length, this.#expected, this.#agreementKey, count);
    this.#instances.push(instance);
    return instance;
  }

  /** Does the work the last push left (headers to open, chunks to decrypt); throws on the first failure. */
  async settle(): Promise<void> {
    for (let i = this.#firstOpen; i < this.#instances.length; i++) {
      const instance = this.#instances[i];
      if (instance === undefined) break;
      await instance.settle();
      if (instance.complete && i === this.#firstOpen) this.#firstOpen++;
    }
  }

  /** After the body ended: every instance complete, and as many as the source said the release holds. */
  async finish(): Promise<void> {
    await this.settle();
    for (const instance of this.#instances) {
      if (!instance.complete) throw new EncryptionError('ENCRYPTED_CONTENT_INVALID', `instance ${instance.file} ended early`);
      if (instance.count !== this.#instances.length) {
        throw new EncryptionError(
          'ENCRYPTED_CONTENT_INVALID',
          `the source released ${String(instance.count)} instances, ${String(this.#instances.length)} arrived`,
        );
      }
    }
  }

  discard(): void {
    for (const instance of this.#instances) instance.discard();
  }
}

class EncryptedInstance implements PartSink {
  readonly file: string;
  readonly #position: number;
  readonly #expected: ExpectedHeader;
  readonly #agreementKey: Promise<HeaderKey>;
  readonly #count: (n: number) => void;
  /** Bytes received and not yet processed (at most one network read beyond the header). */
  #queue: Buffer[] = [];
  #head: Buffer | undefined = Buffer.alloc(0);
  #opener: ChunkOpener | undefined;
  #fd: number | undefined;
  #ended = false;
  complete = false;
  count = 0;

  constructor(file: string, position: number, expected: ExpectedHeader, agreementKey: Promise<HeaderKey>, count: (n: number) => void) {
    this.file = file;
    this.#position = position;
    this.#expected = expected;
    this.#agreementKey = agreementKey;
    this.#count = count;
  }

  data(chunk: Buffer): void {
    // The parser may reuse its buffer: keep a copy until settle() runs.
    this.#queue.push(Buffer.from(chunk));
  }

  end(): void {
    this.#ended = true;
  }

  async settle(): Promise<void> {
    if (this.#head !== undefined) await this.#readHeader();
    if (this.#opener === undefined || this.#fd === undefined) return;
    const queue = this.#queue;
    this.#queue = [];
    for (const bytes of queue) for (const plain of this.#opener.update(bytes)) this.#write(plain);
    if (this.#ended && !this.complete) {
      this.#write(this.#opener.final());
      closeSync(this.#fd);
      this.#fd = undefined;
      renameSync(`${this.file}.partial`, this.file);
      this.complete = true;
    }
  }

  /** Collects the prefix and header from the queue; once whole, verifies it and opens the output file. */
  async #readHeader(): Promise<void> {
    const head = Buffer.concat([this.#head ?? Buffer.alloc(0), ...this.#queue]);
    this.#queue = [];
    // headerLength bounds the header, so what is held here is bounded too.
    const needed = head.length < PREFIX_BYTES ? PREFIX_BYTES : PREFIX_BYTES + headerLength(head);
    if (head.length < needed || needed === PREFIX_BYTES) {
      if (this.#ended) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', 'the instance ended inside its header');
      this.#head = head;
      return;
    }
    this.#head = undefined;
    const { claims, contentKey } = await openHeader(head.subarray(PREFIX_BYTES, needed), this.#expected, await this.#agreementKey);
    if (claims.index !== this.#position) {
      throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `instance ${String(claims.index)} arrived in position ${String(this.#position)}`);
    }
    this.count = claims.count;
    this.#opener = new ChunkOpener(contentKey, claims.chunk);
    this.#fd = openSync(`${this.file}.partial`, 'w', 0o600);
    if (head.length > needed) this.#queue.push(head.subarray(needed));
  }

  #write(plain: Buffer): void {
    if (this.#fd === undefined || plain.length === 0) return;
    writeSync(this.#fd, plain);
    this.#count(plain.length);
  }

  discard(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(`${this.file}.partial`, { force: true });
    rmSync(this.file, { force: true });
  }
}
