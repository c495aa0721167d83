import { randomUUID } from 'node:crypto';
import { SoapFault } from './iti43';
import { parseMediaType } from './media-type';
import { MultipartError, parseMultipartBuffer } from './multipart';
import { MultipartWriter } from './multipart-writer';

/**
 * Frames an ITI-43 message as SOAP 1.2 with MTOM/XOP: a multipart/related
 * body whose root part is the envelope, then one binary attachment per
 * document (referred to from the envelope by xop:Include).
 */
export class MtomWriter {
  readonly #mime: MultipartWriter;
  readonly rootId: string;

  constructor(rootId = `root.${randomUUID()}@isl`, boundary?: string) {
    this.#mime = new MultipartWriter(boundary);
    this.rootId = rootId;
  }

  /** The message's Content-Type; `action` is the SOAP action (RFC 3902), when given. */
  contentType(action?: string): string {
    return `multipart/related; type="application/xop+xml"; boundary="${this.#mime.boundary}"; start="<${this.rootId}>"; start-info="application/soap+xml"${action === undefined ? '' : `; action="${action}"`}`;
  }

  /** The root part: the SOAP envelope. */
  root(envelope: string, action?: string): string {
    const type = `application/xop+xml; charset=UTF-8; type="application/soap+xml"${action === undefined ? '' : `; action="${action}"`}`;
    return this.#mime.part({ 'Content-Type': type, 'Content-Transfer-Encoding': 'binary', 'Content-ID': `<${this.rootId}>` }) + envelope;
  }

  /** The opening of a DICOM attachment (or an encrypted one, by its type); its bytes follow. */
  attachment(contentId: string, contentType = 'application/dicom'): string {
    return this.#mime.part({ 'Content-Type': contentType, 'Content-Transfer-Encoding': 'binary', 'Content-ID': `<${contentId}>` });
  }

  close(): string {
    return this.#mime.close();
  }
}

/** A whole MTOM message holding only its envelope (a request, or a fault). */
export function mtomMessage(
  envelope: string,
  options: { readonly rootId?: string; readonly action?: string } = {},
): { readonly contentType: string; readonly body: Buffer } {
  const mtom = new MtomWriter(options.rootId);
  return { contentType: mtom.contentType(options.action), body: Buffer.from(mtom.root(envelope) + mtom.close()) };
}

/** The SOAP envelope of an MTOM (multipart/related, XOP root part) or plain SOAP 1.2 request. */
export function soapEnvelopeOf(contentType: string | undefined, body: Buffer): string {
  const type = parseMediaType(contentType);
  if (type?.type === 'application/soap+xml') {
    return body.toString('utf8');
  }
  if (type?.type !== 'multipart/related' || type.params.get('type')?.toLowerCase() !== 'application/xop+xml') {
    throw new SoapFault('ITI-43 and RAD-69 requests are SOAP 1.2 with MTOM: multipart/related; type="application/xop+xml"', { httpStatus: 415 });
  }
  const boundary = type.params.get('boundary');
  if (!boundary) {
    throw new SoapFault('multipart/related without a boundary');
  }
  let parts;
  try {
    parts = parseMultipartBuffer(body, boundary);
  } catch (err) {
    throw new SoapFault(`malformed MIME: ${(err as MultipartError).message}`);
  }
  const start = type.params.get('start');
  const root = start ? parts.find((p) => p.headers.get('content-id') === start) : parts[0];
  if (!root) {
    throw new SoapFault('the MTOM root part (start) is missing');
  }
  const rootType = parseMediaType(root.headers.get('content-type'));
  if (rootType?.type !== 'application/xop+xml') {
    throw new SoapFault('the MTOM root part must be application/xop+xml');
  }
  return root.body.toString('utf8');
}
