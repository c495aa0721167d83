/** A body part's sink: bytes in order, then end. */
export interface PartSink {
  data(chunk: Buffer): void;
  end(): void;
}

export type PartHeaders = ReadonlyMap<string, string>;

/** The bytes are not a well-formed multipart body (RFC 2046 §5.1). */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

const MAX_HEADER_BYTES = 8 * 1024;

/**
 * A streaming multipart/* parser: push chunks as they arrive, each part's
 * body is handed on as it is found (never buffered whole), so large studies
 * flow through in bounded memory.
 */
export class MultipartParser {
  readonly #delimiter: Buffer;
  readonly #onPart: (headers: PartHeaders) => PartSink;
  #buffer: Buffer = Buffer.from('\r\n');
  #state: State = 'preamble';
  #sink: PartSink | undefined;
  #parts = 0;

  constructor(boundary: string, onPart: (headers: PartHeaders) => PartSink) {
    if (!/^[0-9A-Za-z'()+_,./:=? -]{1,70}$/.test(boundary) || boundary.endsWith(' ')) {
      throw new MultipartError(`invalid boundary ${JSON.stringify(boundary)}`);
    }
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
    this.#onPart = onPart;
  }

  get parts(): number {
    return this.#parts;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    this.#run();
  }

  /** The body ended: throws unless the close delimiter was seen. */
  end(): void {
    if (this.#state !== 'done') {
      throw new MultipartError(`multipart body ended early (in ${this.#state}, after ${String(this.#parts)} parts)`);
    }
  }

  /** Runs the state machine over the buffer until a step needs more input (or the body is done). */
  #run(): void {
    while (this.#step()) {
      // Each step consumed input or moved to the next state.
    }
  }

  /** One step of the state machine: false when it waits for more input. */
  #step(): boolean {
    switch (this.#state) {
      case 'preamble':
        return this.#skipPreamble();
      case 'after-delimiter':
        return this.#afterDelimiter();
      case 'headers':
        return this.#readHeaders();
      case 'body':
        return this.#readBody();
      case 'done':
        return false;
    }
  }

  #skipPreamble(): boolean {
    const at = this.#buffer.indexOf(this.#delimiter);
    if (at === -1) {
      this.#buffer = this.#buffer.subarray(Math.max(0, this.#buffer.length - this.#delimiter.length));
      return false;
    }
    this.#buffer = this.#buffer.subarray(at + this.#delimiter.length);
    this.#state = 'after-delimiter';
    return true;
  }

  /** After a delimiter: `--` closes the body, else (optional whitespace and) CRLF opens a part. */
  #afterDelimiter(): boolean {
    if (this.#buffer.length < 2) {
      return false;
    }
    if (this.#buffer[0] === 0x2d && this.#buffer[1] === 0x2d) {
      this.#state = 'done';
      this.#buffer = Buffer.alloc(0);
      return false;
    }
    const eol = this.#buffer.indexOf('\r\n');
    if (eol === -1) {
      if (this.#buffer.length > 80) throw new MultipartError('garbage after a boundary delimiter');
      return false;
    }
    if (this.#buffer.subarray(0, eol).toString('latin1').trim() !== '') {
      throw new MultipartError('garbage after a boundary delimiter');
    }
    this.#buffer = this.#buffer.subarray(eol + 2);
    this.#state = 'headers';
    return true;
  }

  #readHeaders(): boolean {
    let end: number;
    let skip: number;
    if (this.#buffer.length >= 2 && this.#buffer[0] === 0x0d && this.#buffer[1] === 0x0a) {
      end = 0;
      skip = 2;
    } else {
      end = this.#buffer.indexOf('\r\n\r\n');
      skip = 4;
    }
    // The cap holds whether the block is still arriving or came whole in one chunk.
    if (end === -1 ? this.#buffer.length > MAX_HEADER_BYTES : end > MAX_HEADER_BYTES) {
      throw new MultipartError('part headers too large');
    }
    if (end === -1) {
      return false;
    }
    const headers = parsePartHeaders(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(end + skip);
    this.#parts++;
    this.#sink = this.#onPart(headers);
    this.#state = 'body';
    return true;
  }

  /** Hands the part's bytes to its sink, holding back what could be the start of a delimiter. */
  #readBody(): boolean {
    const sink = this.#sink;
    if (!sink) throw new MultipartError('no part sink');
    const at = this.#buffer.indexOf(this.#delimiter);
    if (at === -1) {
      const keep = this.#delimiter.length - 1;
      if (this.#buffer.length > keep) {
        sink.data(this.#buffer.subarray(0, this.#buffer.length - keep));
        this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
      }
      return false;
    }
    if (at > 0) sink.data(this.#buffer.subarray(0, at));
    sink.end();
    this.#sink = undefined;
    this.#buffer = this.#buffer.subarray(at + this.#delimiter.length);
    this.#state = 'after-delimiter';
    return true;
  }
}

function parsePartHeaders(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`malformed part header ${JSON.stringify(line.slice(0, 40))}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** Parses a whole (small) multipart body held in memory into its parts. */
export function parseMultipartBuffer(body: Buffer, boundary: string): { readonly headers: PartHeaders; readonly body: Buffer }[] {
  const parts: { headers: PartHeaders; body: Buffer }[] = [];
  const parser = new MultipartParser(boundary, (headers) => {
    const chunks: Buffer[] = [];
    return {
      data: (c) => chunks.push(Buffer.from(c)),
      end: () => parts.push({ headers, body: Buffer.concat(chunks) }),
    };
  });
  parser.push(body);
  parser.end();
  return parts;
}
