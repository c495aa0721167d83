import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DicomFileError } from '../pacs/dicom-file';
import { ManifestError, readKosManifest, type ManifestReferences } from '../pacs/kos-reader';
import { ACTION, NS, retrieveRequestEnvelope } from '../wire/iti43';
import { imagingDocumentSetRequestEnvelope, RAD69_ACTION, retrieveLocationUid } from '../wire/rad69';
import { canonicalUri } from '../wire/target-uri';
import { childNamed, textOf } from '../wire/xml';
import { RetrievalRefused } from './retrieval-refused';
import type { RetrieveOptions } from './retrieve-client';
import { fileSink, prepareRequest, type PartReceiver } from './part-receiver';
import { postSoap, type SoapCall } from './soap-client';

/** A manifest is small (a few hundred bytes per instance); more than this is refused, not buffered. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** DocumentRequests per RAD-69 request (the source takes up to 5,000; ~230 bytes each in a 1 MiB body). */
const DOCUMENTS_PER_REQUEST = 1_000;

/**
 * The transfer syntaxes this consumer accepts (it stores the files as they
 * come, so any it can name): the uncompressed ones, deflate, RLE, JPEG
 * baseline/lossless, JPEG-LS and JPEG 2000.
 */
export const ACCEPTED_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
] as const;

/**
 * An XDS-I.b Imaging Document Consumer, as IHE describes it: ITI-43 for the
 * study's document (its KOS manifest, RAD TF-3 §4.68.4.1.2), then RAD-69 per
 * series of the manifest's Current Requested Procedure Evidence Sequence, to
 * the Imaging Document Source its Retrieve Location UID names (RAD TF-2
 * §4.69.4.1.2), for every instance it lists. The source's RAD-69 endpoint
 * is `<url>/rad69`; a manifest naming another location is refused.
 * Asked for encrypted, each RAD-69 answer is (bound to that request's nonce);
 * the manifest is never encrypted (docs/image-retrieval.md).
 */
export async function viaXdsI(o: RetrieveOptions): Promise<{ files: string[]; bytes: number }> {
  const manifest = readManifest(await retrieveManifest(o));
  const location = retrieveLocationUid(o.sourceId);
  const base = canonicalUri(o.url);
  const call: SoapCall = { target: canonicalUri(`${base.origin}${base.path.replace(/\/$/, '')}/rad69`).href, key: o.key, ca: o.ca };
  const files: string[] = [];
  let bytes = 0;
  for (const series of manifest.series) {
    if (series.retrieveLocationUid !== location) {
      throw new RetrievalRefused(
        'BAD_MANIFEST',
        200,
        `series ${series.seriesInstanceUid} is not retrievable from this source (Retrieve Location UID ${String(series.retrieveLocationUid)})`,
      );
    }
    for (let i = 0; i < series.instances.length; i += DOCUMENTS_PER_REQUEST) {
      const wanted = new Set(series.instances.slice(i, i + DOCUMENTS_PER_REQUEST).map((x) => x.sopInstanceUid));
      const { nonce, headers, receiver } = prepareRequest(o);
      await retrieveSeries({ ...call, nonce, headers }, manifest, { series: series.seriesInstanceUid, location, wanted }, receiver, () => {
        const file = join(o.outDir, `instance-${String(files.length + 1).padStart(4, '0')}.dcm`);
        files.push(file);
        return (receiver?.sink ?? fileSink)(file, (n) => (bytes += n));
      });
    }
  }
  return { files, bytes };
}

/** The manifest's references; a document that is not a readable manifest is the source's fault, said as such. */
function readManifest(bytes: Buffer): ManifestReferences {
  try {
    return readKosManifest(bytes);
  } catch (err) {
    if (err instanceof DicomFileError || err instanceof ManifestError)
      throw new RetrievalRefused('BAD_MANIFEST', 200, `the study's document is not a usable manifest: ${err.message}`);
    throw err;
  }
}

/** ITI-43 for the study reference: exactly one DocumentResponse, the manifest, held in memory (bounded). */
async function retrieveManifest(o: RetrieveOptions): Promise<Buffer> {
  const target = canonicalUri(o.url).href;
  const envelope = retrieveRequestEnvelope(target, `urn:uuid:${randomUUID()}`, [{ repositoryUniqueId: o.sourceId, documentUniqueId: o.study }]);
  const chunks: Buffer[] = [];
  let size = 0;
  let documents = 0;
  await postSoap({ target, key: o.key, ca: o.ca }, envelope, ACTION, {
    check: (d, httpStatus) => {
      documents++;
      const named = textOf(childNamed(d, NS.xdsb, 'DocumentUniqueId')) === o.study && textOf(childNamed(d, NS.xdsb, 'RepositoryUniqueId')) === o.sourceId;
      if (!named || documents > 1 || textOf(childNamed(d, NS.xdsb, 'mimeType')) !== 'application/dicom') {
        throw new RetrievalRefused('BAD_RESPONSE', httpStatus, 'the answer is not one application/dicom manifest for the requested study');
      }
    },
    attachment: () => ({
      data: (c) => {
        size += c.length;
        if (size > MAX_MANIFEST_BYTES) throw new RetrievalRefused('BAD_RESPONSE', 200, 'the manifest is larger than 64 MiB');
        chunks.push(Buffer.from(c));
      },
      end: () => undefined,
    }),
  });
  if (documents !== 1) throw new RetrievalRefused('BAD_RESPONSE', 200, 'the answer holds no manifest');
  return Buffer.concat(chunks);
}

/** One RAD-69 request for some instances of one series; each DocumentResponse must be one of them, and all must come. */
async function retrieveSeries(
  call: SoapCall,
  manifest: ManifestReferences,
  asked: { readonly series: string; readonly location: string; readonly wanted: Set<string> },
  receiver: PartReceiver | undefined,
  sink: () => ReturnType<PartReceiver['sink']>,
): Promise<void> {
  const { series: seriesInstanceUid, location, wanted } = asked;
  const envelope = imagingDocumentSetRequestEnvelope(call.target, `urn:uuid:${randomUUID()}`, {
    studies: [
      {
        studyInstanceUid: manifest.studyInstanceUid,
        series: [{ seriesInstanceUid, documents: [...wanted].map((uid) => ({ repositoryUniqueId: location, documentUniqueId: uid })) }],
      },
    ],
    transferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES,
  });
  await postSoap(call, envelope, RAD69_ACTION, {
    check: (d, httpStatus) => {
      const uid = textOf(childNamed(d, NS.xdsb, 'DocumentUniqueId')) ?? '';
      if (!wanted.delete(uid) || textOf(childNamed(d, NS.xdsb, 'RepositoryUniqueId')) !== location) {
        throw new RetrievalRefused('BAD_RESPONSE', httpStatus, `a DocumentResponse names an instance not asked for (or twice): ${uid}`);
      }
    },
    attachment: sink,
    ...(receiver ? { receiver } : {}),
  });
  if (wanted.size > 0) {
    throw new RetrievalRefused('INCOMPLETE', 200, `${String(wanted.size)} instances of series ${seriesInstanceUid} were not returned`);
  }
}
