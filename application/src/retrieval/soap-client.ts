import { newNonce } from '@isl/chaincode';
import { sendRequest } from '@isl/platform';
import { contentDigest, POST_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { NS, Status } from '../wire/iti43';
import { parseMediaType } from '../wire/media-type';
import { MultipartParser, type PartSink } from '../wire/multipart';
import { mtomMessage } from '../wire/mtom';
import { childNamed, childrenNamed, parseXml, textOf, type XmlElement } from '../wire/xml';
import { plaintextReceiver, receiveParts, type PartReceiver } from './part-receiver';
import { RetrievalRefused } from './retrieval-refused';

/** Where and how a SOAP request is sent: the signed target URI, the recipient key, the CAs to trust. */
export interface SoapCall {
  readonly target: string;
  readonly key: RecipientSigningKey;
  readonly ca: readonly Buffer[];
  /** The request's nonce when the caller binds something to it (an encrypted release); fresh otherwise. */
  readonly nonce?: string;
  /** Further request headers, each covered by the signature (isl-encryption). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the caller does with the answer: check each DocumentResponse, and take each attachment's bytes. */
export interface SoapAnswerHandler {
  /** Throws RetrievalRefused when a DocumentResponse is not one that was asked for. */
  check(document: XmlElement, httpStatus: number): void;
  attachment(contentId: string): PartSink;
  /**
   * Set for an encrypted release: every attachment must be of its part type,
   * and it decrypts between reads (its failures discard the release).
   */
  readonly receiver?: PartReceiver;
}

/**
 * Posts a signed SOAP 1.2 + MTOM request (ITI-43, RAD-69) and streams the
 * RetrieveDocumentSetResponse: the envelope is checked (a fault or any
 * status but Success is a RetrievalRefused), every attachment must be one the
 * envelope refers to, and every one it refers to must arrive.
 */
export async function postSoap(call: SoapCall, envelope: string, action: string, handler: SoapAnswerHandler): Promise<void> {
  const { contentType, body } = mtomMessage(envelope, { action });
  const extra = call.headers ?? {};
  const headers = { 'content-type': contentType, 'content-digest': contentDigest(body), ...extra };
  const components = [...POST_COMPONENTS, ...Object.keys(extra)];
  const signed = signRequest(call.key, { method: 'POST', targetUri: call.target, headers }, { nonce: call.nonce ?? newNonce(), components });
  const res = await sendRequest(call.target, {
    method: 'POST',
    headers: { ...headers, ...signed, 'content-length': String(body.length) },
    ca: call.ca,
    body,
    timeoutMs: 60_000,
    // A fresh connection: a pooled keep-alive socket the source is closing as idle answers "socket hang up" (seen under load).
    agent: false,
  });
  const type = parseMediaType(res.headers['content-type']);
  const responseBoundary = type?.params.get('boundary');
  if (type?.type !== 'multipart/related' || !responseBoundary) {
    res.resume();
    throw new RetrievalRefused('BAD_RESPONSE', res.statusCode ?? 0, `${action} answered ${String(res.statusCode)} with ${String(res.headers['content-type'])}`);
  }
  const expected = new Set<string>();
  let rootSeen = false;
  const parser = new MultipartParser(responseBoundary, (h) => {
    if (!rootSeen) {
      rootSeen = true;
      return envelopeSink((xml) => {
        for (const cid of readSoapResponse(xml, res.statusCode ?? 0, handler)) expected.add(cid);
      });
    }
    const cid = (h.get('content-id') ?? '').replace(/^<|>$/g, '');
    if (!expected.delete(cid)) {
      throw new RetrievalRefused('BAD_RESPONSE', 200, `attachment ${cid} is not referenced by the envelope`);
    }
    const receiver = handler.receiver;
    if (receiver !== undefined && parseMediaType(h.get('content-type'))?.type !== receiver.partType) {
      throw new RetrievalRefused('NOT_ENCRYPTED', 200, `attachment ${cid} is ${String(h.get('content-type'))}, not ${receiver.partType}`);
    }
    return handler.attachment(cid);
  });
  await receiveParts(res, parser, handler.receiver ?? plaintextReceiver());
  if (expected.size > 0) {
    throw new RetrievalRefused('BAD_RESPONSE', 200, `${String(expected.size)} attachments referenced by the envelope are missing`);
  }
}

/** The root part (the SOAP envelope), at most 16 MiB, handed on whole. */
function envelopeSink(done: (xml: string) => void): PartSink {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    data: (c) => {
      size += c.length;
      if (size > 16 * 1024 * 1024) throw new RetrievalRefused('BAD_RESPONSE', 200, 'the response envelope is larger than 16 MiB');
      chunks.push(Buffer.from(c));
    },
    end: () => {
      done(Buffer.concat(chunks).toString('utf8'));
    },
  };
}

/** Checks the response envelope; returns the Content-IDs of the documents to expect. */
function readSoapResponse(xml: string, httpStatus: number, handler: SoapAnswerHandler): string[] {
  const envelope = parseXml(xml, { maxLength: 16 * 1024 * 1024 });
  const body = childNamed(envelope, NS.soap, 'Body');
  const fault = body ? childNamed(body, NS.soap, 'Fault') : undefined;
  if (fault) {
    const code = childNamed(fault, NS.soap, 'Code');
    const sub = code ? textOf(childNamed(childNamed(code, NS.soap, 'Subcode') ?? code, NS.soap, 'Value')) : undefined;
    const reason = textOf(childNamed(childNamed(fault, NS.soap, 'Reason') ?? fault, NS.soap, 'Text'));
    throw new RetrievalRefused(sub ?? 'SOAP_FAULT', httpStatus, `SOAP fault ${sub ?? ''}: ${reason ?? ''}`);
  }
  const response = body ? childNamed(body, NS.xdsb, 'RetrieveDocumentSetResponse') : undefined;
  const registry = response ? childNamed(response, NS.rs, 'RegistryResponse') : undefined;
  if (!response || !registry) {
    throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'no RetrieveDocumentSetResponse in the answer');
  }
  const status = registry.attributes.get('status');
  if (status !== Status.Success) {
    const errors = childNamed(registry, NS.rs, 'RegistryErrorList');
    const first = errors ? childrenNamed(errors, NS.rs, 'RegistryError')[0] : undefined;
    throw new RetrievalRefused(first?.attributes.get('errorCode') ?? 'FAILURE', httpStatus, `${String(status)}: ${first?.attributes.get('codeContext') ?? ''}`);
  }
  return childrenNamed(response, NS.xdsb, 'DocumentResponse').map((d) => {
    handler.check(d, httpStatus);
    const include = childNamed(childNamed(d, NS.xdsb, 'Document') ?? d, NS.xop, 'Include');
    const href = include?.attributes.get('href') ?? '';
    if (!href.startsWith('cid:')) {
      throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'a Document is not an xop:Include');
    }
    return decodeURIComponent(href.slice(4));
  });
}
