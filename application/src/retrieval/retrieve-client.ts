import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { newNonce } from '@isl/chaincode';
import { sendRequest } from '@isl/platform';
import { readInstanceIdentifiers } from '../pacs/dicom-file';
import { contentDigest, GET_COMPONENTS, POST_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { ACTION, NS, retrieveRequestEnvelope, Status } from '../wire/iti43';
import { parseMediaType } from '../wire/media-type';
import { MultipartParser, type PartSink } from '../wire/multipart';
import { mtomMessage } from '../wire/mtom';
import { canonicalUri } from '../wire/target-uri';
import { childNamed, childrenNamed, parseXml, textOf } from '../wire/xml';

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

async function viaWadoRs(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  const target = wadoRsUri(o.url, o.study);
  const headers = { accept: 'multipart/related; type="application/dicom"' };
  const signed = signRequest(o.key, { method: 'GET', targetUri: target, headers }, { nonce: newNonce(), components: GET_COMPONENTS });
  const res = await sendRequest(target, { method: 'GET', headers: { ...headers, ...signed }, ca: o.ca, timeoutMs: 60_000 });
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
  const files: string[] = [];
  let bytes = 0;
  const parser = new MultipartParser(boundary, (h) => {
    const partType = parseMediaType(h.get('content-type'));
    if (partType?.type !== 'application/dicom') {
      throw new RetrievalRefused('BAD_RESPONSE', 200, `unexpected part type ${String(h.get('content-type'))}`);
    }
    const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
    files.push(file);
    return fileSink(file, (n) => (bytes += n));
  });
  for await (const chunk of res) parser.push(chunk as Buffer);
  parser.end();
  return { files, bytes };
}

async function viaIti43(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  // The registered URL in its canonical spelling (docs/protocol.md §8.2): what the source rebuilds.
  const target = canonicalUri(o.url).href;
  const envelope = retrieveRequestEnvelope(target, `urn:uuid:${randomUUID()}`, [{ repositoryUniqueId: o.sourceId, documentUniqueId: o.study }]);
  const { contentType, body } = mtomMessage(envelope, { action: ACTION });
  const headers = { 'content-type': contentType, 'content-digest': contentDigest(body) };
  const signed = signRequest(o.key, { method: 'POST', targetUri: target, headers }, { nonce: newNonce(), components: POST_COMPONENTS });
  const res = await sendRequest(target, {
    method: 'POST',
    headers: { ...headers, ...signed, 'content-length': String(body.length) },
    ca: o.ca,
    body,
    timeoutMs: 60_000,
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
    const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
    files.push(file);
    return fileSink(file, (n) => (bytes += n));
  });
  for await (const chunk of res) parser.push(chunk as Buffer);
  parser.end();
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

function fileSink(file: string, count: (n: number) => void): PartSink {
  const fd = openSync(file, 'w', 0o600);
  return {
    data: (chunk) => {
      writeSync(fd, chunk);
      count(chunk.length);
    },
    end: () => {
      closeSync(fd);
    },
  };
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
