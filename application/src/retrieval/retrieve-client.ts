import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sendRequest } from '@isl/platform';
import { ENCRYPTION_HEADER, ENCRYPTION_SCHEME } from '../encryption/release-sealer';
import { readInstanceIdentifiers } from '../pacs/dicom-file';
import { GET_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { ACTION, NS, retrieveRequestEnvelope } from '../wire/iti43';
import { parseMediaType } from '../wire/media-type';
import { MultipartParser } from '../wire/multipart';
import { canonicalUri } from '../wire/target-uri';
import { childNamed, textOf } from '../wire/xml';
import { RetrievalRefused } from './retrieval-refused';
import { postSoap } from './soap-client';
import { viaXdsI } from './xdsi-consumer';
import { fileSink, plaintextReceiver, prepareRequest, receiveParts } from './part-receiver';

/** wado-rs; iti43 (the instances over ITI-43, asked for explicitly); xds-i (ITI-43 for the manifest, then RAD-69 per series). */
export type RetrievalProtocol = 'wado-rs' | 'iti43' | 'xds-i';

export { RetrievalRefused };

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
 * The recipient's side: signed WADO-RS, ITI-43 or XDS-I.b (ITI-43 + RAD-69) requests to the source,
 * the answer streamed to one file per DICOM instance, then checked (each file
 * is DICOM, all of one study).
 */
export async function retrieveStudy(options: RetrieveOptions): Promise<Retrieved> {
  mkdirSync(options.outDir, { recursive: true });
  const via = { 'wado-rs': viaWadoRs, iti43: viaIti43, 'xds-i': viaXdsI }[options.protocol];
  const files = await via(options);
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

/** An encrypted release must say so in the answer, not only in its parts. */
function checkEncryptedAnswer(res: IncomingMessage, o: RetrieveOptions): void {
  if (o.encrypted === true && res.headers[ENCRYPTION_HEADER] !== ENCRYPTION_SCHEME) {
    throw new RetrievalRefused('NOT_ENCRYPTED', res.statusCode ?? 0, `the source did not answer ${ENCRYPTION_HEADER}: ${ENCRYPTION_SCHEME}`);
  }
}

async function viaWadoRs(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  const target = wadoRsUri(o.url, o.study);
  const prepared = prepareRequest(o);
  const receiver = prepared.receiver ?? plaintextReceiver();
  const headers = { accept: `multipart/related; type="${receiver.partType}"`, ...prepared.headers };
  const components = [...GET_COMPONENTS, ...Object.keys(prepared.headers)];
  const signed = signRequest(o.key, { method: 'GET', targetUri: target, headers }, { nonce: prepared.nonce, components });
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
  await receiveParts(res, parser, receiver);
  return { files, bytes };
}

async function viaIti43(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  // The registered URL in its canonical spelling (docs/protocol.md §8.2): what the source rebuilds.
  const target = canonicalUri(o.url).href;
  // Asks explicitly for the instances: the default ITI-43 document of a study is its XDS-I.b manifest.
  const envelope = retrieveRequestEnvelope(target, `urn:uuid:${randomUUID()}`, [{ repositoryUniqueId: o.sourceId, documentUniqueId: o.study }], 'instances');
  const { nonce, headers, receiver } = prepareRequest(o);
  const files: string[] = [];
  let bytes = 0;
  await postSoap({ target, key: o.key, ca: o.ca, nonce, headers }, envelope, ACTION, {
    check: (d, httpStatus) => {
      if (textOf(childNamed(d, NS.xdsb, 'DocumentUniqueId')) !== o.study || textOf(childNamed(d, NS.xdsb, 'RepositoryUniqueId')) !== o.sourceId) {
        throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'a DocumentResponse names another document or repository');
      }
    },
    attachment: () => {
      const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
      files.push(file);
      return (receiver?.sink ?? fileSink)(file, (n) => (bytes += n));
    },
    ...(receiver ? { receiver } : {}),
  });
  return { files, bytes };
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
