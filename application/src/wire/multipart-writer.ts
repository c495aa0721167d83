import { randomBytes } from 'node:crypto';

/** Boundary characters RFC 2046 §5.1.1 allows (bchars), at most 70, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;

/**
 * Frames a multipart/* body (RFC 2046 §5.1): each part's delimiter and
 * headers, then the close delimiter. The one place the project writes MIME
 * framing; part bodies are written (or streamed) by the caller in between.
 */
export class MultipartWriter {
  readonly boundary: string;
  #parts = 0;

  constructor(boundary = `isl-${randomBytes(16).toString('hex')}`) {
    if (!BOUNDARY.test(boundary)) {
      throw new RangeError(`invalid multipart boundary ${JSON.stringify(boundary)}`);
    }
    this.boundary = boundary;
  }

  /** The delimiter and header block that open the next part; its body follows. */
  part(headers: Readonly<Record<string, string>>): string {
    const lead = this.#parts++ === 0 ? '' : '\r\n';
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    return `${lead}--${this.boundary}\r\n${lines.join('')}\r\n`;
  }

  /** The close delimiter, after the last part's body (its CRLF belongs to the delimiter, RFC 2046 §5.1.1). */
  close(): string {
    return `\r\n--${this.boundary}--\r\n`;
  }
}

/** A whole multipart body from parts held in memory. */
export function multipartBody(
  writer: MultipartWriter,
  parts: readonly { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer | string }[],
): Buffer {
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from(writer.part(p.headers)), Buffer.from(p.body)]), Buffer.from(writer.close())]);
}
