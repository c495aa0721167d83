import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { newNonce } from '@isl/chaincode';
import { sendRequest } from '@isl/platform';
import { EncryptionError } from '../encryption/errors';
import { ENCRYPTION_HEADER, ENCRYPTION_SCHEME } from '../encryption/release-sealer';
import { readInstanceIdentifiers } from '../pacs/dicom-file';
import { contentDigest, GET_COMPONENTS, POST_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { ACTION, NS, retrieveRequestEnvelope, Status } from '../wire/iti43';
import { parseMediaType } from '../wire/media-type';
import { MultipartParser } from '../wire/multipart';
import { mtomMessage } from '../wire/mtom';
import { canonicalUri } from '../wire/target-uri';
import { childNamed, childrenNamed, parseXml, textOf } from '../wire/xml';
import { encryptedReceiver, plaintextReceiver, type PartReceiver } from './part-receiver';

export type RetrievalProtocol = 'wado-rs' | 'iti43';

/** The source refused (or could not serve) the request; `code` is the protocol's own answer. */
export class RetrievalRefused extends Error {
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, httpStatus: number, message: string) {
    super(message);
    this.name = 'RetrievalRefused';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

export interface RetrieveOptions {
  /** The source's URL from the ledger (GetSource). */
  readonly url: string;
  readonly sourceId: string;
  readonly study: string;
  readonly key: RecipientSigningKey;
  readonly protocol: RetrievalProtocol;
  /** CA certificates to trust for the source's TLS (the consortium's CAs). */
  readonly ca: readonly Buffer[];
  readonly outDir: string;
  /**
   * Ask for the release encrypted end to end to `key` (docs/image-retrieval.md):
   * each instance is decrypted and verified as it arrives; a tampered,
   * truncated or reordered one fails the retrieval and no file of it is kept.
   */
  readonly encrypted?: boolean;
}

export interface Retrieved {
  readonly files: readonly string[];
  readonly bytes: number;
  readonly studyInstanceUid: string;
}

/**
 * The recipient's side: a signed WADO-RS or ITI-43 request to the source,
 * the answer streamed to one file per DICOM instance, then checked (each file
 * is DICOM, all of one study).
 */
export async function retrieveStudy(options: RetrieveOptions): Promise<Retrieved> {
  mkdirSync(options.outDir, { recursive: true });
  const files = options.protocol === 'wado-rs' ? await viaWadoRs(options) : await viaIti43(options);
  if (files.files.length === 0) {
    throw new RetrievalRefused('EMPTY', 200, 'the source released no instance');
  }
  const uids = new Set(files.files.map((f) => readInstanceIdentifiers(readFileSync(f), f).studyInstanceUid));
  if (uids.size !== 1) {
    throw new RetrievalRefused('INCONSISTENT', 200, 'the released instances do not belong to one study');
  }
  return { ...files, studyInstanceUid: [...uids][0] ?? '' };
}

/** The canonical WADO-RS Retrieve Study URI under a registered URL: `<url>/studies/{study}`. */
function wadoRsUri(url: string, study: string): string {
  const base = canonicalUri(url);
  return canonicalUri(`${base.origin}${base.path.replace(/\/$/, '')}/studies/${encodeURIComponent(study)}`).href;
}

/** What this retrieval asks for and how its parts are received: the request's nonce binds an encrypted release to it. */
function prepare(
  o: RetrieveOptions,
  components: readonly string[],
): { nonce: string; headers: Record<string, string>; components: string[]; receiver: PartReceiver } {
  const nonce = newNonce();
  if (o.encrypted !== true) return { nonce, headers: {}, components: [...components], receiver: plaintextReceiver() };
  const expected = { source: o.sourceId, recipient: o.key.keyId, study: o.study, request: nonce };
  return {
    nonce,
    headers: { [ENCRYPTION_HEADER]: ENCRYPTION_SCHEME },
    components: [...components, ENCRYPTION_HEADER],
    receiver: encryptedReceiver(expected, o.key.privateKey.export({ format: 'jwk' })),
  };
}

/** Feeds the answer to the parser, letting the receiver decrypt between reads; on failure no file of the release is kept as if good. */
async function receive(res: IncomingMessage, parser: MultipartParser, receiver: PartReceiver): Promise<void> {
  try {
    for await (const chunk of res) {
      parser.push(chunk as Buffer);
      await receiver.settle();
    }
    parser.end();
    await receiver.finish();
  } catch (err) {
    receiver.discard();
    if (err instanceof EncryptionError) throw new RetrievalRefused(err.code, res.statusCode ?? 0, err.message);
    throw err;
  }
}

function checkEncryptedAnswer(res: IncomingMessage, o: RetrieveOptions): void {
  if (o.encrypted === true && res.headers[ENCRYPTION_HEADER] !== ENCRYPTION_SCHEME) {
    throw new RetrievalRefused('NOT_ENCRYPTED', res.statusCode ?? 0, `the source did not answer ${ENCRYPTION_HEADER}: ${ENCRYPTION_SCHEME}`);
  }
}

async function viaWadoRs(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  const target = wadoRsUri(o.url, o.study);
  const prepared = prepare(o, GET_COMPONENTS);
  const { receiver } = prepared;
  const headers = { accept: `multipart/related; type="${receiver.partType}"`, ...prepared.headers };
  const signed = signRequest(o.key, { method: 'GET', targetUri: target, headers }, { nonce: prepared.nonce, components: prepared.components });
  // A fresh connection: a pooled keep-alive socket the source is closing as idle answers "socket hang up" (seen under load).
  const res = await sendRequest(target, { method: 'GET', headers: { ...headers, ...signed }, ca: o.ca, timeoutMs: 60_000, agent: false });
  if (res.statusCode !== 200) {
    const body = (await collect(res)).toString('utf8');
    const error = safeJson(body)?.error;
    throw new RetrievalRefused(
      typeof error === 'string' ? error : `HTTP_${String(res.statusCode)}`,
      res.statusCode ?? 0,
      `WADO-RS answered ${String(res.statusCode)}: ${body.slice(0, 200)}`,
    );
  }
  const type = parseMediaType(res.headers['content-type']);
  const boundary = type?.params.get('boundary');
  if (type?.type !== 'multipart/related' || !boundary) {
    throw new RetrievalRefused('BAD_RESPONSE', 200, `unexpected WADO-RS content type ${String(res.headers['content-type'])}`);
  }
  checkEncryptedAnswer(res, o);
  const files: string[] = [];
  let bytes = 0;
  const parser = new MultipartParser(boundary, (h) => {
    const partType = parseMediaType(h.get('content-type'));
    if (partType?.type !== receiver.partType) {
      throw new RetrievalRefused('BAD_RESPONSE', 200, `unexpected part type ${String(h.get('content-type'))}`);
    }
    const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
    files.push(file);
    return receiver.sink(file, (n) => (bytes += n));
  });
  await receive(res, parser, receiver);
  return { files, bytes };
}

async function viaIti43(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  // The registered URL in its canonical spelling (docs/protocol.md §8.2): what the source rebuilds.
  const target = canonicalUri(o.url).href;
  const envelope = retrieveRequestEnvelope(target, `urn:uuid:${randomUUID()}`, [{ repositoryUniqueId: o.sourceId, documentUniqueId: o.study }]);
  const { contentType, body } = mtomMessage(envelope, { action: ACTION });
  const prepared = prepare(o, POST_COMPONENTS);
  const { receiver } = prepared;
  const headers = { 'content-type': contentType, 'content-digest': contentDigest(body), ...prepared.headers };
  const signed = signRequest(o.key, { method: 'POST', targetUri: target, headers }, { nonce: prepared.nonce, components: prepared.components });
  const res = await sendRequest(target, {
    method: 'POST',
    headers: { ...headers, ...signed, 'content-length': String(body.length) },
    ca: o.ca,
    body,
    timeoutMs: 60_000,
    agent: false,
  });
  const type = parseMediaType(res.headers['content-type']);
  const responseBoundary = type?.params.get('boundary');
  if (type?.type !== 'multipart/related' || !responseBoundary) {
    throw new RetrievalRefused('BAD_RESPONSE', res.statusCode ?? 0, `ITI-43 answered ${String(res.statusCode)} with ${String(res.headers['content-type'])}`);
  }
  const files: string[] = [];
  const expected = new Set<string>();
  let bytes = 0;
  let rootSeen = false;
  const parser = new MultipartParser(responseBoundary, (h) => {
    if (!rootSeen) {
      rootSeen = true;
      const chunks: Buffer[] = [];
      return {
        data: (c) => chunks.push(Buffer.from(c)),
        end: () => {
          for (const cid of readIti43Envelope(Buffer.concat(chunks).toString('utf8'), res.statusCode ?? 0, o)) expected.add(cid);
        },
      };
    }
    const cid = (h.get('content-id') ?? '').replace(/^<|>$/g, '');
    if (!expected.delete(cid)) {
      throw new RetrievalRefused('BAD_RESPONSE', 200, `attachment ${cid} is not referenced by the envelope`);
    }
    if (o.encrypted === true && parseMediaType(h.get('content-type'))?.type !== receiver.partType) {
      throw new RetrievalRefused('NOT_ENCRYPTED', 200, `attachment ${cid} is ${String(h.get('content-type'))}, not ${receiver.partType}`);
    }
    const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
    files.push(file);
    return receiver.sink(file, (n) => (bytes += n));
  });
  await receive(res, parser, receiver);
  if (expected.size > 0) {
    throw new RetrievalRefused('BAD_RESPONSE', 200, `${String(expected.size)} attachments referenced by the envelope are missing`);
  }
  return { files, bytes };
}

/** Checks the response envelope; returns the Content-IDs of the documents to expect. */
function readIti43Envelope(xml: string, httpStatus: number, o: RetrieveOptions): string[] {
  const envelope = parseXml(xml);
  const body = childNamed(envelope, NS.soap, 'Body');
  const fault = body ? childNamed(body, NS.soap, 'Fault') : undefined;
  if (fault) {
    const code = childNamed(fault, NS.soap, 'Code');
    const sub = code ? textOf(childNamed(childNamed(code, NS.soap, 'Subcode') ?? code, NS.soap, 'Value')) : undefined;
    const reason = textOf(childNamed(childNamed(fault, NS.soap, 'Reason') ?? fault, NS.soap, 'Text'));
    throw new RetrievalRefused(sub ?? 'SOAP_FAULT', httpStatus, `ITI-43 fault ${sub ?? ''}: ${reason ?? ''}`);
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
    throw new RetrievalRefused(
      first?.attributes.get('errorCode') ?? 'FAILURE',
      httpStatus,
      `ITI-43 ${String(status)}: ${first?.attributes.get('codeContext') ?? ''}`,
    );
  }
  return childrenNamed(response, NS.xdsb, 'DocumentResponse').map((d) => {
    if (textOf(childNamed(d, NS.xdsb, 'DocumentUniqueId')) !== o.study || textOf(childNamed(d, NS.xdsb, 'RepositoryUniqueId')) !== o.sourceId) {
      throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'a DocumentResponse names another document or repository');
    }
    const include = childNamed(childNamed(d, NS.xdsb, 'Document') ?? d, NS.xop, 'Include');
    const href = include?.attributes.get('href') ?? '';
    if (!href.startsWith('cid:')) {
      throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'a Document is not an xop:Include');
    }
    return decodeURIComponent(href.slice(4));
  });
}

async function collect(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
