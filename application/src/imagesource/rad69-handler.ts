import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENCRYPTED_MEDIA_TYPE, type ReleaseSealer } from '../encryption/release-sealer';
import type { OrthancInstance } from '../pacs/orthanc-client';
import { POST_COMPONENTS, SignatureRejected, type UnclaimedSignature } from '../wire/http-signature';
import {
  RESPONSE_ACTION,
  responseEnvelope,
  SoapFault,
  statusOf,
  type DocumentRequest,
  type DocumentResponseEntry,
  type RegistryErrorEntry,
} from '../wire/iti43';
import { MtomWriter, soapEnvelopeOf } from '../wire/mtom';
import { parseImagingDocumentSetRequest, RAD69_LIMITS, TRANSFER_SYNTAX_NOT_PROVIDED, type ImagingDocumentSetRequest, type StudyRequest } from '../wire/rad69';
import type { CanonicalUri } from '../wire/target-uri';
import { readBody } from './iti43-handler';
import type { Granted, ReleaseGate } from './release-gate';
import { refuseSignature, sealerOrFault, writeSoapFault } from './soap-answers';
import { write } from './study-release';

/** A RAD-69 body holds up to 5,000 DocumentRequests (~230 bytes each). */
const MAX_REQUEST_BYTES = RAD69_LIMITS.maxChars;
const MAX_DRAIN_BYTES = 4 * 1024 * 1024;

/** One study's instances to release, in the order of their DocumentResponses. */
interface StudyDocuments {
  readonly auth: Granted;
  readonly documents: readonly { readonly request: DocumentRequest; readonly instance: OrthancInstance; readonly contentId: string }[];
}

/**
 * IHE RAD-69 Retrieve Imaging Document Set (RAD TF-2 §4.69): the instances
 * a manifest lists, named by study, series and SOP Instance UID, as MTOM
 * attachments of a RetrieveDocumentSetResponse, after the same signature and
 * grant checks as ITI-43. An instance that is not in a study granted to the
 * recipient — unknown, not granted, or in another series — gets
 * XDSDocumentUniqueIdError, the same answer whatever the reason.
 */
export async function serveRad69(gate: ReleaseGate, req: IncomingMessage, res: ServerResponse, target: CanonicalUri): Promise<void> {
  const body = await readBody(req, MAX_REQUEST_BYTES, MAX_DRAIN_BYTES);
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    writeSoapFault(res, new SoapFault(`the request is larger than ${String(MAX_REQUEST_BYTES)} bytes`, { httpStatus: 413 }));
    return;
  }
  let signer: UnclaimedSignature;
  let request: ImagingDocumentSetRequest;
  try {
    signer = await gate.verify(req, target, POST_COMPONENTS, body);
    request = parseImagingDocumentSetRequest(soapEnvelopeOf(req.headers['content-type'], body));
  } catch (err) {
    if (err instanceof SignatureRejected) refuseSignature(gate, res, err, 'RAD-69');
    else if (err instanceof SoapFault) writeSoapFault(res, err);
    else throw err;
    return;
  }
  const sealer = sealerOrFault(gate, req, res, signer, 'RAD-69', true);
  if (sealer === 'refused') return;
  const errors: RegistryErrorEntry[] = [];
  const releases: StudyDocuments[] = [];
  for (const study of request.studies) {
    const release = await authoriseStudy(gate, study, request.transferSyntaxes, signer.keyId, errors);
    if (release) releases.push(release);
  }
  try {
    gate.claim(signer, releases.length > 0);
  } catch (err) {
    if (err instanceof SignatureRejected) {
      refuseSignature(gate, res, err, 'RAD-69');
      return;
    }
    throw err;
  }
  await writeResponse(gate, res, { relatesTo: request.messageId, releases, errors, recipient: signer.keyId, sealer });
}

const unavailable = (d: DocumentRequest): RegistryErrorEntry => ({
  errorCode: 'XDSDocumentUniqueIdError',
  codeContext: `Document ${d.documentUniqueId} is not available`,
  location: d.documentUniqueId,
});

/** The checks of one StudyRequest: repository, grant (unknown = not granted), series and instance, transfer syntax. */
async function authoriseStudy(
  gate: ReleaseGate,
  study: StudyRequest,
  transferSyntaxes: readonly string[],
  recipient: string,
  errors: RegistryErrorEntry[],
): Promise<StudyDocuments | undefined> {
  const requested = study.series.flatMap((s) => s.documents.map((d) => ({ series: s.seriesInstanceUid, document: d })));
  const here = requested.filter((r) => r.document.repositoryUniqueId === gate.retrieveLocationUid);
  for (const r of requested) {
    if (r.document.repositoryUniqueId !== gate.retrieveLocationUid) {
      errors.push({
        errorCode: 'XDSUnknownRepositoryId',
        codeContext: `Repository ${r.document.repositoryUniqueId} is not served here`,
        location: r.document.repositoryUniqueId,
      });
    }
  }
  if (here.length === 0) return undefined;
  const auth = await gate.authoriseStudy(study.studyInstanceUid, recipient);
  if (auth === 'unavailable') {
    for (const r of here)
      errors.push({
        errorCode: 'XDSRepositoryError',
        codeContext: 'The repository cannot check access right now; try again later',
        location: r.document.documentUniqueId,
      });
    return undefined;
  }
  if (!auth.granted) {
    for (const r of here) errors.push(unavailable(r.document));
    return undefined;
  }
  const description = await gate.describe(auth);
  const known = new Map(
    description.series.flatMap((s) => s.instances.map((i) => [i.sopInstanceUid, { series: s.seriesInstanceUid, transferSyntax: i.transferSyntaxUid }])),
  );
  const stored = new Map(auth.instances.map((i) => [i.sopInstanceUid, i]));
  const documents: StudyDocuments['documents'][number][] = [];
  const seen = new Set<string>();
  for (const r of here) {
    const uid = r.document.documentUniqueId;
    const entry = known.get(uid);
    const instance = stored.get(uid);
    if (entry?.series !== r.series || instance === undefined) {
      errors.push(unavailable(r.document));
    } else if (!transferSyntaxes.includes(entry.transferSyntax)) {
      errors.push({
        errorCode: TRANSFER_SYNTAX_NOT_PROVIDED,
        codeContext: `Document ${uid} is stored as ${entry.transferSyntax}, which was not requested`,
        location: uid,
      });
    } else if (!seen.has(uid)) {
      seen.add(uid);
      documents.push({ request: r.document, instance, contentId: `${String(documents.length + 1)}.${randomUUID()}@isl` });
    }
  }
  return documents.length > 0 ? { auth: { ...auth, instances: documents.map((d) => d.instance) }, documents } : undefined;
}

/** What a RAD-69 answer holds: the released studies' instances, the errors, and the encryption asked for (undefined: none). */
interface Rad69Answer {
  readonly relatesTo: string;
  readonly releases: readonly StudyDocuments[];
  readonly errors: readonly RegistryErrorEntry[];
  readonly recipient: string;
  readonly sealer: ReleaseSealer | undefined;
}

/**
 * The response envelope (one DocumentResponse per released instance), then
 * the instances as attachments, study by study; encrypted (ISL-E2E1, each
 * instance's position counted within its study in this answer) when asked.
 */
async function writeResponse(gate: ReleaseGate, res: ServerResponse, answer: Rad69Answer): Promise<void> {
  const { releases, errors, sealer } = answer;
  const mimeType = sealer ? ENCRYPTED_MEDIA_TYPE : 'application/dicom';
  const documents: DocumentResponseEntry[] = releases.flatMap((r) =>
    r.documents.map((d) => ({
      repositoryUniqueId: d.request.repositoryUniqueId,
      documentUniqueId: d.request.documentUniqueId,
      mimeType,
      contentId: d.contentId,
      ...(d.request.homeCommunityId ? { homeCommunityId: d.request.homeCommunityId } : {}),
    })),
  );
  const mtom = new MtomWriter();
  const envelope = responseEnvelope({ relatesTo: answer.relatesTo, status: statusOf(documents.length, errors.length), errors, documents });
  res.writeHead(200, { 'content-type': mtom.contentType(RESPONSE_ACTION), 'cache-control': 'no-store' });
  await write(res, mtom.root(envelope, RESPONSE_ACTION));
  for (const r of releases) {
    await gate.stream(
      res,
      r.auth,
      answer.recipient,
      randomUUID(),
      async (file, i) => {
        await write(res, mtom.attachment(r.documents[i]?.contentId ?? '', mimeType));
        return sealer
          ? sealer.seal(file, (bytes) => write(res, bytes), { study: r.auth.reference, index: i, count: r.documents.length })
          : gate.pipeInstance(file, res);
      },
      undefined,
      sealer !== undefined,
    );
  }
  res.end(mtom.close());
}
