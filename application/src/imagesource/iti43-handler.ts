import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENCRYPTED_MEDIA_TYPE, type ReleaseSealer } from '../encryption/release-sealer';
import { POST_COMPONENTS, SignatureRejected, type UnclaimedSignature } from '../wire/http-signature';
import {
  parseRetrieveRequest,
  RESPONSE_ACTION,
  responseEnvelope,
  SoapFault,
  statusOf,
  type DocumentResponseEntry,
  type RegistryErrorEntry,
  type RetrieveRequest,
} from '../wire/iti43';
import { MtomWriter, soapEnvelopeOf } from '../wire/mtom';
import type { CanonicalUri } from '../wire/target-uri';
import type { Granted, ReleaseGate } from './release-gate';
import { writeManifests } from './iti43-manifest';
import { refuseSignature, sealerOrFault, writeSoapFault } from './soap-answers';
import { write } from './study-release';

const MAX_REQUEST_BYTES = 256 * 1024;
/** How much of a too-large ITI-43 body is read and dropped before the 413 (RFC 9112 §9.6: a close after unread data can reset the answer). */
const MAX_DRAIN_BYTES = 4 * 1024 * 1024;

/** A requested document the recipient may have: a study granted to its key. */
export interface GrantedDocument {
  readonly auth: Granted;
  readonly homeCommunityId?: string;
  readonly repositoryUniqueId: string;
}

/**
 * IHE ITI-43 Retrieve Document Set: SOAP 1.2 + MTOM/XOP. Each granted
 * study's document is its XDS-I.b manifest (iti43-manifest.ts); a request
 * with isl:DocumentContent "instances" gets one DocumentResponse
 * (attachment) per DICOM instance instead.
 */
export async function serveIti43(gate: ReleaseGate, req: IncomingMessage, res: ServerResponse, target: CanonicalUri): Promise<void> {
  const body = await readBody(req, MAX_REQUEST_BYTES, MAX_DRAIN_BYTES);
  if (body === 'too-large') {
    // The body was read (and dropped) so the client sees this answer, not a reset; then the connection closes.
    res.setHeader('connection', 'close');
    writeSoapFault(res, new SoapFault(`the request is larger than ${String(MAX_REQUEST_BYTES)} bytes`, { httpStatus: 413 }));
    return;
  }
  const refuse = (err: SignatureRejected): void => {
    refuseSignature(gate, res, err, 'ITI-43');
  };
  let signer: UnclaimedSignature;
  try {
    signer = await gate.verify(req, target, POST_COMPONENTS, body);
  } catch (err) {
    if (err instanceof SignatureRejected) {
      refuse(err);
      return;
    }
    throw err;
  }
  let request;
  try {
    request = parseRetrieveRequest(soapEnvelopeOf(req.headers['content-type'], body));
  } catch (err) {
    if (err instanceof SoapFault) {
      writeSoapFault(res, err);
      return;
    }
    throw err;
  }
  const sealer = sealerOrFault(gate, req, res, signer, 'ITI-43', request.content === 'instances');
  if (sealer === 'refused') return;
  const { granted, errors } = await authoriseDocuments(gate, request, signer.keyId);
  try {
    gate.claim(signer, granted.length > 0);
  } catch (err) {
    if (err instanceof SignatureRejected) {
      refuse(err);
      return;
    }
    throw err;
  }
  if (request.content === 'instances') {
    await writeResponse(gate, res, request, granted, errors, signer.keyId, sealer);
  } else {
    await writeManifests({ gate, res, request, granted, errors, recipient: signer.keyId });
  }
}

/** Checks each requested document: this repository, and a study granted to the recipient. */
async function authoriseDocuments(
  gate: ReleaseGate,
  request: RetrieveRequest,
  recipient: string,
): Promise<{ granted: GrantedDocument[]; errors: RegistryErrorEntry[] }> {
  const errors: RegistryErrorEntry[] = [];
  const granted: GrantedDocument[] = [];
  for (const doc of request.documents) {
    if (doc.repositoryUniqueId !== gate.sourceId) {
      errors.push({
        errorCode: 'XDSUnknownRepositoryId',
        codeContext: `Repository ${doc.repositoryUniqueId} is not served here`,
        location: doc.repositoryUniqueId,
      });
      continue;
    }
    const auth = await gate.authorise(doc.documentUniqueId, recipient);
    if (auth === 'unavailable') {
      errors.push({
        errorCode: 'XDSRepositoryError',
        codeContext: 'The repository cannot check access right now; try again later',
        location: doc.documentUniqueId,
      });
    } else if (!auth.granted) {
      errors.push({ errorCode: 'XDSDocumentUniqueIdError', codeContext: `Document ${doc.documentUniqueId} is not available`, location: doc.documentUniqueId });
    } else {
      granted.push({ auth, repositoryUniqueId: doc.repositoryUniqueId, ...(doc.homeCommunityId ? { homeCommunityId: doc.homeCommunityId } : {}) });
    }
  }
  return { granted, errors };
}

/** The response envelope (one DocumentResponse per instance), then each granted study's instances as attachments. */
async function writeResponse(
  gate: ReleaseGate,
  res: ServerResponse,
  request: RetrieveRequest,
  granted: readonly GrantedDocument[],
  errors: readonly RegistryErrorEntry[],
  recipient: string,
  sealer: ReleaseSealer | undefined,
): Promise<void> {
  const mtom = new MtomWriter();
  const mimeType = sealer ? ENCRYPTED_MEDIA_TYPE : 'application/dicom';
  const documents: DocumentResponseEntry[] = [];
  const parts: { cid: string; studyIndex: number; instanceIndex: number }[] = [];
  granted.forEach((g, s) => {
    g.auth.instances.forEach((_, i) => {
      const cid = `${String(s)}.${String(i + 1)}.${randomUUID()}@isl`;
      parts.push({ cid, studyIndex: s, instanceIndex: i });
      documents.push({
        repositoryUniqueId: g.repositoryUniqueId,
        documentUniqueId: g.auth.reference,
        mimeType,
        contentId: cid,
        ...(g.homeCommunityId ? { homeCommunityId: g.homeCommunityId } : {}),
      });
    });
  });
  const envelope = responseEnvelope({ relatesTo: request.messageId, status: statusOf(granted.length, errors.length), errors, documents });
  res.writeHead(200, { 'content-type': mtom.contentType(RESPONSE_ACTION), 'cache-control': 'no-store' });
  await write(res, mtom.root(envelope, RESPONSE_ACTION));
  for (const [s, g] of granted.entries()) {
    await gate.stream(
      res,
      g.auth,
      recipient,
      randomUUID(),
      async (file, i) => {
        const cid = parts.find((p) => p.studyIndex === s && p.instanceIndex === i)?.cid ?? '';
        await write(res, mtom.attachment(cid, mimeType));
        return sealer
          ? sealer.seal(file, (bytes) => write(res, bytes), { study: g.auth.reference, index: i, count: g.auth.instances.length })
          : gate.pipeInstance(file, res);
      },
      undefined,
      sealer !== undefined,
    );
  }
  res.end(mtom.close());
}

/**
 * Reads a body of at most `limit` bytes. A larger one is read on and
 * dropped up to `drainLimit` (so the refusal reaches a client still sending),
 * and not read beyond it: 'too-large' either way.
 */
export async function readBody(req: IncomingMessage, limit: number, drainLimit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > drainLimit) {
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > drainLimit) {
      return 'too-large';
    }
    if (length <= limit) {
      chunks.push(chunk as Buffer);
    }
  }
  return length > limit ? 'too-large' : Buffer.concat(chunks);
}
