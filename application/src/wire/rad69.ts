import { createHash } from 'node:crypto';
import { childNamed, childrenNamed, escapeXml, textOf, type XmlElement } from './xml';
import { NS, openEnvelope, requestHeader, SoapFault, type DocumentRequest } from './iti43';

/**
 * IHE RAD TF-2 §4.69 Retrieve Imaging Document Set (XDS-I.b), SOAP 1.2 +
 * MTOM/XOP: the request names instances by study, series and SOP Instance
 * UID (DocumentUniqueId) with the transfer syntaxes the consumer accepts; the
 * response is ITI-43's RetrieveDocumentSetResponse (RAD TF-2 §4.69.4.2.2).
 */
export const RAD_NS = 'urn:ihe:rad:xdsi-b:2009';
export const RAD69_ACTION = 'urn:ihe:rad:2009:RetrieveImagingDocumentSet';

/** PS3.18 (2014) §6.4.4 / DICOM Supplement 148: "the requested instance(s) cannot be provided in the requested … transfer syntax". */
export const TRANSFER_SYNTAX_NOT_PROVIDED = 'urn:dicom:wado:0007';

export interface SeriesRequest {
  readonly seriesInstanceUid: string;
  readonly documents: readonly DocumentRequest[];
}

export interface StudyRequest {
  readonly studyInstanceUid: string;
  readonly series: readonly SeriesRequest[];
}

export interface ImagingDocumentSetRequest {
  readonly messageId: string;
  readonly studies: readonly StudyRequest[];
  readonly transferSyntaxes: readonly string[];
}

/** Bounds beyond the XML parser's: what one request may name. */
export const RAD69_LIMITS = { maxChars: 1024 * 1024, maxStudies: 16, maxSeries: 1_000, maxDocuments: 5_000, maxTransferSyntaxes: 64 } as const;

const UID = /^[0-9]+(\.[0-9]+)*$/;

function uidAttribute(element: XmlElement, name: string, what: string): string {
  const value = element.attributes.get(name);
  if (value === undefined || value.length > 64 || !UID.test(value)) throw new SoapFault(`each ${what} needs a valid ${name} attribute`);
  return value;
}

function documentOf(item: XmlElement): DocumentRequest {
  const repositoryUniqueId = textOf(childNamed(item, NS.xdsb, 'RepositoryUniqueId'));
  const documentUniqueId = textOf(childNamed(item, NS.xdsb, 'DocumentUniqueId'));
  const homeCommunityId = textOf(childNamed(item, NS.xdsb, 'HomeCommunityId'));
  if (!repositoryUniqueId || !documentUniqueId || repositoryUniqueId.length > 128 || documentUniqueId.length > 128 || (homeCommunityId?.length ?? 0) > 256) {
    throw new SoapFault('each DocumentRequest needs a RepositoryUniqueId and a DocumentUniqueId');
  }
  return homeCommunityId ? { repositoryUniqueId, documentUniqueId, homeCommunityId } : { repositoryUniqueId, documentUniqueId };
}

/** Reads the SOAP envelope of a RAD-69 request (RAD TF-2 §4.69.4.1.2; every count bounded by RAD69_LIMITS). */
export function parseImagingDocumentSetRequest(envelopeXml: string): ImagingDocumentSetRequest {
  const { messageId, body } = openEnvelope(envelopeXml, RAD69_ACTION, RAD69_LIMITS.maxChars);
  const request = body ? childNamed(body, RAD_NS, 'RetrieveImagingDocumentSetRequest') : undefined;
  if (!request) throw new SoapFault('the Body must hold an iherad:RetrieveImagingDocumentSetRequest');
  const studyItems = childrenNamed(request, RAD_NS, 'StudyRequest');
  if (studyItems.length === 0 || studyItems.length > RAD69_LIMITS.maxStudies) {
    throw new SoapFault(`a request holds 1 to ${String(RAD69_LIMITS.maxStudies)} StudyRequest elements`);
  }
  let series = 0;
  let documents = 0;
  const studies = studyItems.map((study): StudyRequest => {
    const seriesItems = childrenNamed(study, RAD_NS, 'SeriesRequest');
    series += seriesItems.length;
    if (seriesItems.length === 0 || series > RAD69_LIMITS.maxSeries) {
      throw new SoapFault(`each StudyRequest holds at least one SeriesRequest, ${String(RAD69_LIMITS.maxSeries)} in all at most`);
    }
    return {
      studyInstanceUid: uidAttribute(study, 'studyInstanceUID', 'StudyRequest'),
      series: seriesItems.map((s): SeriesRequest => {
        const items = childrenNamed(s, NS.xdsb, 'DocumentRequest');
        documents += items.length;
        if (items.length === 0 || documents > RAD69_LIMITS.maxDocuments) {
          throw new SoapFault(`each SeriesRequest holds at least one DocumentRequest, ${String(RAD69_LIMITS.maxDocuments)} in all at most`);
        }
        return { seriesInstanceUid: uidAttribute(s, 'seriesInstanceUID', 'SeriesRequest'), documents: items.map(documentOf) };
      }),
    };
  });
  const list = childNamed(request, RAD_NS, 'TransferSyntaxUIDList');
  const transferSyntaxes = (list ? childrenNamed(list, RAD_NS, 'TransferSyntaxUID') : []).map((t) => textOf(t) ?? '');
  if (
    transferSyntaxes.length === 0 ||
    transferSyntaxes.length > RAD69_LIMITS.maxTransferSyntaxes ||
    transferSyntaxes.some((t) => t.length > 64 || !UID.test(t))
  ) {
    throw new SoapFault(`the TransferSyntaxUIDList holds 1 to ${String(RAD69_LIMITS.maxTransferSyntaxes)} valid TransferSyntaxUID elements`);
  }
  return { messageId, studies, transferSyntaxes };
}

/** Builds the SOAP 1.2 envelope of a RAD-69 request. */
export function imagingDocumentSetRequestEnvelope(to: string, messageId: string, request: Omit<ImagingDocumentSetRequest, 'messageId'>): string {
  const doc = (d: DocumentRequest): string =>
    `<xdsb:DocumentRequest>` +
    (d.homeCommunityId ? `<xdsb:HomeCommunityId>${escapeXml(d.homeCommunityId)}</xdsb:HomeCommunityId>` : '') +
    `<xdsb:RepositoryUniqueId>${escapeXml(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId>` +
    `<xdsb:DocumentUniqueId>${escapeXml(d.documentUniqueId)}</xdsb:DocumentUniqueId></xdsb:DocumentRequest>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}" xmlns:xdsb="${NS.xdsb}" xmlns:iherad="${RAD_NS}">` +
    requestHeader(RAD69_ACTION, to, messageId) +
    `<env:Body><iherad:RetrieveImagingDocumentSetRequest>` +
    request.studies
      .map(
        (st) =>
          `<iherad:StudyRequest studyInstanceUID="${escapeXml(st.studyInstanceUid)}">` +
          st.series
            .map(
              (se) => `<iherad:SeriesRequest seriesInstanceUID="${escapeXml(se.seriesInstanceUid)}">${se.documents.map(doc).join('')}</iherad:SeriesRequest>`,
            )
            .join('') +
          `</iherad:StudyRequest>`,
      )
      .join('') +
    `<iherad:TransferSyntaxUIDList>${request.transferSyntaxes.map((t) => `<iherad:TransferSyntaxUID>${escapeXml(t)}</iherad:TransferSyntaxUID>`).join('')}</iherad:TransferSyntaxUIDList>` +
    `</iherad:RetrieveImagingDocumentSetRequest></env:Body></env:Envelope>`
  );
}

/**
 * The source's Retrieve Location UID, its RepositoryUniqueId in RAD-69,
 * derived from the source key id: the first 16 bytes of SHA-256(UTF-8 key id)
 * as an RFC 9562 version-8 UUID (version and variant bits set), written as a
 * decimal integer under 2.25 (ITU-T X.667). Anyone who knows the key id can
 * compute it; it names the source, nothing else.
 */
export function retrieveLocationUid(sourceId: string): string {
  const uuid = createHash('sha256').update(sourceId, 'utf8').digest().subarray(0, 16);
  uuid[6] = ((uuid[6] ?? 0) & 0x0f) | 0x80;
  uuid[8] = ((uuid[8] ?? 0) & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${uuid.toString('hex')}`).toString()}`;
}
