import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** TLS record header: type (1), legacy version (2), length (2). */
const HEADER = 5;
/** TLS 1.3 protects every record after the ServerHello as application_data (RFC 8446 §5.2). */
const APPLICATION_DATA = 23;

/** Whether a chunk the TLS layer wrote (whole records) holds an encrypted record. Linear, bounded by the chunk. */
export function hasEncryptedRecord(chunk: Buffer): boolean {
  for (let at = 0; at + HEADER <= chunk.length; at += HEADER + chunk.readUInt16BE(at + 3)) {
    if (chunk[at] === APPLICATION_DATA) return true;
  }
  return false;
}

/**
 * The byte stream under the sender's TLS connection: a TCP socket that holds
 * the client's encrypted handshake flight (in TLS 1.3: Certificate,
 * CertificateVerify, Finished) until `release()`, so that it leaves in one
 * write with the first application data. A repository that completes the
 * handshake and then refuses the client (rsyslog's gtls driver checks the
 * client certificate only after the handshake) closes with that data unread,
 * which its TCP stack answers with a reset rather than an orderly close: the
 * sender sees an error, never a clean end. (The batch's first bytes share the
 * TCP segment that ends the Finished, unless that end falls exactly on a
 * segment boundary.) Plaintext records (ClientHello, also a second one after
 * a HelloRetryRequest) pass at once.
 */
export class HeldFlightTransport extends Duplex {
  readonly #raw: Socket;
  #held: Buffer[] = [];
  #holding = false;
  #released = false;

  constructor(raw: Socket) {
    super();
    this.#raw = raw;
    raw.on('data', (data: Buffer) => {
      if (!this.push(data)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (err) => this.destroy(err));
    raw.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Sends what was held, with everything written since, and stops holding. */
  release(): void {
    this.#released = true;
    if (this.#held.length > 0) this.#raw.write(Buffer.concat(this.#held));
    this.#held = [];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.#released && (this.#holding || hasEncryptedRecord(chunk))) {
      this.#holding = true;
      this.#held.push(chunk);
      callback();
      return;
    }
    this.#raw.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.release();
    this.#raw.end(callback);
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#held = [];
    this.#raw.destroy();
    callback(error);
  }
}
