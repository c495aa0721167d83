import { escapeXml, childNamed, childrenNamed, parseXml, textOf, XmlError, type XmlElement } from './xml';

/** IHE ITI TF-2 §3.43 Retrieve Document Set over SOAP 1.2 (ITI TF-2 Appendix V). */
export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  xdsb: 'urn:ihe:iti:xds-b:2007',
  rs: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  xop: 'http://www.w3.org/2004/08/xop/include',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  /** This project's SOAP header blocks (docs/image-retrieval.md, "Conformance"). */
  isl: 'urn:isl:xds:2025',
} as const;

export const ACTION = 'urn:ihe:iti:2007:RetrieveDocumentSet';
export const RESPONSE_ACTION = 'urn:ihe:iti:2007:RetrieveDocumentSetResponse';

export const Status = {
  Success: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
  PartialSuccess: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
  Failure: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
} as const;

const ERROR_SEVERITY = 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error';

/** ITI TF-3 Table 4.2.4.1-2, and PS3.18 (2014) §6.4.4's transfer syntax code for RAD-69. */
export type XdsErrorCode = 'XDSUnknownRepositoryId' | 'XDSDocumentUniqueIdError' | 'XDSRepositoryError' | 'urn:dicom:wado:0007';

export interface DocumentRequest {
  readonly homeCommunityId?: string;
  readonly repositoryUniqueId: string;
  readonly documentUniqueId: string;
}

/**
 * What a DocumentResponse carries for a study: its XDS-I.b manifest (the
 * default, as IHE defines ITI-43 for imaging), or — only when the request
 * asks with the isl:DocumentContent header block — every instance.
 */
export type DocumentContent = 'manifest' | 'instances';

export interface RetrieveRequest {
  readonly messageId: string;
  readonly documents: readonly DocumentRequest[];
  readonly content: DocumentContent;
}

/** The request is not a well-formed RetrieveDocumentSet message: answered with a SOAP Sender fault. */
export class SoapFault extends Error {
  readonly code: 'Sender' | 'Receiver';
  /** Qualified subcode, e.g. wsa:ActionNotSupported. */
  readonly subcode: string | undefined;
  readonly httpStatus: number;
  constructor(reason: string, options: { readonly code?: 'Sender' | 'Receiver'; readonly subcode?: string; readonly httpStatus?: number } = {}) {
    super(reason);
    this.name = 'SoapFault';
    this.code = options.code ?? 'Sender';
    this.subcode = options.subcode;
    this.httpStatus = options.httpStatus ?? 400;
  }
}

const MAX_DOCUMENTS = 16;
/** The envelope is read whole; the HTTP body limit (256 KiB) bounds it already. */
const MAX_ENVELOPE_CHARS = 256 * 1024;

/** A SOAP 1.2 request envelope with the expected WS-Addressing Action and a MessageID. */
export interface SoapRequest {
  readonly messageId: string;
  readonly header: XmlElement;
  readonly body: XmlElement | undefined;
}

/** Parses (bounded: `maxChars` and the XML limits) and checks a SOAP 1.2 request's envelope, Action and MessageID. */
export function openEnvelope(envelopeXml: string, action: string, maxChars: number): SoapRequest {
  let envelope: XmlElement;
  try {
    envelope = parseXml(envelopeXml, { maxLength: maxChars });
  } catch (err) {
    throw new SoapFault(`not well-formed XML: ${(err as XmlError).message}`);
  }
  if (envelope.ns !== NS.soap || envelope.local !== 'Envelope') {
    throw new SoapFault('not a SOAP 1.2 envelope');
  }
  const header = childNamed(envelope, NS.soap, 'Header');
  if (!header || textOf(childNamed(header, NS.wsa, 'Action')) !== action) {
    throw new SoapFault(`WS-Addressing Action must be ${action}`, { subcode: 'wsa:ActionNotSupported' });
  }
  const messageId = textOf(childNamed(header, NS.wsa, 'MessageID'));
  if (!messageId || messageId.length > 256) {
    throw new SoapFault('WS-Addressing MessageID is required', { subcode: 'wsa:MessageAddressingHeaderRequired' });
  }
  return { messageId, header, body: childNamed(envelope, NS.soap, 'Body') };
}

/** The isl:DocumentContent header block: absent means the manifest. */
function documentContentOf(header: XmlElement): DocumentContent {
  const value = textOf(childNamed(header, NS.isl, 'DocumentContent'));
  if (value === undefined || value === 'manifest') return 'manifest';
  if (value === 'instances') return 'instances';
  throw new SoapFault('isl:DocumentContent must be "manifest" or "instances"');
}

/** Reads the SOAP envelope of an ITI-43 request. */
export function parseRetrieveRequest(envelopeXml: string): RetrieveRequest {
  const { messageId, header, body } = openEnvelope(envelopeXml, ACTION, MAX_ENVELOPE_CHARS);
  const content = documentContentOf(header);
  const request = body ? childNamed(body, NS.xdsb, 'RetrieveDocumentSetRequest') : undefined;
  if (!request) {
    throw new SoapFault('the Body must hold an xdsb:RetrieveDocumentSetRequest');
  }
  const items = childrenNamed(request, NS.xdsb, 'DocumentRequest');
  if (items.length === 0 || items.length > MAX_DOCUMENTS) {
    throw new SoapFault(`a RetrieveDocumentSetRequest holds 1 to ${String(MAX_DOCUMENTS)} DocumentRequest elements`);
  }
  const documents = items.map((item): DocumentRequest => {
    const repositoryUniqueId = textOf(childNamed(item, NS.xdsb, 'RepositoryUniqueId'));
    const documentUniqueId = textOf(childNamed(item, NS.xdsb, 'DocumentUniqueId'));
    const homeCommunityId = textOf(childNamed(item, NS.xdsb, 'HomeCommunityId'));
    if (!repositoryUniqueId || !documentUniqueId || repositoryUniqueId.length > 128 || documentUniqueId.length > 128) {
      throw new SoapFault('each DocumentRequest needs a RepositoryUniqueId and a DocumentUniqueId');
    }
    return homeCommunityId ? { repositoryUniqueId, documentUniqueId, homeCommunityId } : { repositoryUniqueId, documentUniqueId };
  });
  return { messageId, documents, content };
}

export interface RegistryErrorEntry {
  readonly errorCode: XdsErrorCode;
  readonly codeContext: string;
  readonly location: string;
}

export interface DocumentResponseEntry {
  readonly homeCommunityId?: string;
  readonly repositoryUniqueId: string;
  readonly documentUniqueId: string;
  readonly mimeType: string;
  /** Content-ID of the MTOM attachment (without angle brackets). */
  readonly contentId: string;
}

export function statusOf(released: number, failed: number): string {
  if (failed === 0) return Status.Success;
  return released > 0 ? Status.PartialSuccess : Status.Failure;
}

function soapHeader(action: string, relatesTo: string | undefined): string {
  return (
    `<env:Header>` +
    `<wsa:Action env:mustUnderstand="true">${escapeXml(action)}</wsa:Action>` +
    (relatesTo ? `<wsa:RelatesTo>${escapeXml(relatesTo)}</wsa:RelatesTo>` : '') +
    `</env:Header>`
  );
}

/** The RetrieveDocumentSetResponse envelope; documents refer to MTOM parts by xop:Include. */
export function responseEnvelope(options: {
  readonly relatesTo: string;
  readonly status: string;
  readonly errors: readonly RegistryErrorEntry[];
  readonly documents: readonly DocumentResponseEntry[];
}): string {
  const errors =
    options.errors.length === 0
      ? ''
      : `<rs:RegistryErrorList>${options.errors
          .map(
            (e) =>
              `<rs:RegistryError errorCode="${e.errorCode}" codeContext="${escapeXml(e.codeContext)}" location="${escapeXml(e.location)}" severity="${ERROR_SEVERITY}"/>`,
          )
          .join('')}</rs:RegistryErrorList>`;
  const documents = options.documents
    .map(
      (d) =>
        `<xdsb:DocumentResponse>` +
        (d.homeCommunityId ? `<xdsb:HomeCommunityId>${escapeXml(d.homeCommunityId)}</xdsb:HomeCommunityId>` : '') +
        `<xdsb:RepositoryUniqueId>${escapeXml(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId>` +
        `<xdsb:DocumentUniqueId>${escapeXml(d.documentUniqueId)}</xdsb:DocumentUniqueId>` +
        `<xdsb:mimeType>${escapeXml(d.mimeType)}</xdsb:mimeType>` +
        `<xdsb:Document><xop:Include href="cid:${encodeURIComponent(d.contentId)}"/></xdsb:Document>` +
        `</xdsb:DocumentResponse>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}" xmlns:xdsb="${NS.xdsb}" xmlns:rs="${NS.rs}" xmlns:xop="${NS.xop}">` +
    soapHeader(RESPONSE_ACTION, options.relatesTo) +
    `<env:Body><xdsb:RetrieveDocumentSetResponse>` +
    `<rs:RegistryResponse status="${options.status}">${errors}</rs:RegistryResponse>` +
    documents +
    `</xdsb:RetrieveDocumentSetResponse></env:Body></env:Envelope>`
  );
}

/** A SOAP 1.2 Fault envelope (WS-Addressing fault action). */
export function faultEnvelope(fault: SoapFault, relatesTo?: string): string {
  const subcode = fault.subcode ? `<env:Subcode><env:Value>${escapeXml(fault.subcode)}</env:Value></env:Subcode>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}" xmlns:wsse="${NS.wsse}">` +
    soapHeader('http://www.w3.org/2005/08/addressing/soap/fault', relatesTo) +
    `<env:Body><env:Fault><env:Code><env:Value>env:${fault.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${escapeXml(fault.message)}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
  );
}

/** The SOAP 1.2 request header: Action, MessageID, anonymous ReplyTo, To (ITI TF-2 Appendix V), and any extra header blocks. */
export function requestHeader(action: string, to: string, messageId: string, extra = ''): string {
  return (
    `<env:Header><wsa:Action env:mustUnderstand="true">${escapeXml(action)}</wsa:Action><wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    `<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo><wsa:To env:mustUnderstand="true">${escapeXml(to)}</wsa:To>` +
    `${extra}</env:Header>`
  );
}

/** Builds the SOAP 1.2 envelope of an ITI-43 request; `content: 'instances'` asks for the study's instances instead of its manifest. */
export function retrieveRequestEnvelope(
  to: string,
  messageId: string,
  documents: readonly { repositoryUniqueId: string; documentUniqueId: string }[],
  content: DocumentContent = 'manifest',
): string {
  const option = content === 'instances' ? `<isl:DocumentContent xmlns:isl="${NS.isl}">instances</isl:DocumentContent>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}" xmlns:xdsb="${NS.xdsb}">` +
    requestHeader(ACTION, to, messageId, option) +
    `<env:Body><xdsb:RetrieveDocumentSetRequest>` +
    documents
      .map(
        (d) =>
          `<xdsb:DocumentRequest><xdsb:RepositoryUniqueId>${d.repositoryUniqueId}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${d.documentUniqueId}</xdsb:DocumentUniqueId></xdsb:DocumentRequest>`,
      )
      .join('') +
    `</xdsb:RetrieveDocumentSetRequest></env:Body></env:Envelope>`
  );
}
