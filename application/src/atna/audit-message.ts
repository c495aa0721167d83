import { escapeXml } from '../wire/xml';

/** A coded value of the DICOM audit schema (csd-code, codeSystemName, originalText). */
export interface Code {
  readonly code: string;
  readonly system: string;
  readonly meaning: string;
}

/** EventOutcomeIndicator: success, minor, serious, major failure (PS3.15 A.5.1.1). */
export type Outcome = 0 | 4 | 8 | 12;

export interface ActiveParticipant {
  readonly userId: string;
  readonly requestor: boolean;
  readonly role?: Code;
  /** NetworkAccessPointTypeCode 1: machine name, 2: IP address, 5: URI. */
  readonly accessPoint?: { readonly id: string; readonly type: 1 | 2 | 5 };
}

export interface ParticipantObject {
  readonly id: string;
  readonly idType: Code;
  /** The schema requires a name (or a query); never a person's name here. */
  readonly name: string;
  /** ParticipantObjectTypeCode: 1 person, 2 system object, 3 organisation, 4 other. */
  readonly type: 1 | 2 | 3 | 4;
  readonly role?: number;
  readonly lifeCycle?: number;
  /** ParticipantObjectDetail type/value pairs (values are base64-encoded when written). */
  readonly details?: readonly { readonly type: string; readonly value: string }[];
}

/** One audit event, in the terms of DICOM PS3.15 A.5 (what audit-events.ts builds). */
export interface AuditRecord {
  readonly event: Code;
  readonly types?: readonly Code[];
  readonly action?: 'C' | 'R' | 'U' | 'D' | 'E';
  /** When it happened (ISO 8601, UTC). */
  readonly at: string;
  readonly outcome: Outcome;
  readonly outcomeDescription?: string;
  readonly participants: readonly ActiveParticipant[];
  readonly objects: readonly ParticipantObject[];
}

/** Who reports: AuditSourceIdentification. */
export interface AuditSource {
  readonly id: string;
  readonly site: string;
  /** AuditSourceTypeCode: 3 web server, 4 application server. */
  readonly type: 3 | 4;
}

const attrs = (pairs: Record<string, string | undefined>): string =>
  Object.entries(pairs)
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(oneLine(v))}"`)
    .join('');

/**
 * Text fit for one line of XML: characters XML 1.0 cannot carry at all (a requester's percent-decoded
 * control characters, lone surrogates) are dropped, and line breaks, which parsers normalise in attributes
 * anyway and which would split a syslog line at some receivers, become spaces.
 */
const oneLine = (s: string): string =>
  s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

const coded = (element: string, c: Code): string => `<${element}${attrs({ 'csd-code': c.code, codeSystemName: c.system, originalText: c.meaning })}/>`;

function participant(p: ActiveParticipant): string {
  const a = attrs({
    UserID: p.userId,
    UserIsRequestor: String(p.requestor),
    NetworkAccessPointID: p.accessPoint?.id,
    NetworkAccessPointTypeCode: p.accessPoint === undefined ? undefined : String(p.accessPoint.type),
  });
  return `<ActiveParticipant${a}>${p.role === undefined ? '' : coded('RoleIDCode', p.role)}</ActiveParticipant>`;
}

function participantObject(o: ParticipantObject): string {
  const a = attrs({
    ParticipantObjectID: o.id,
    ParticipantObjectTypeCode: String(o.type),
    ParticipantObjectTypeCodeRole: o.role === undefined ? undefined : String(o.role),
    ParticipantObjectDataLifeCycle: o.lifeCycle === undefined ? undefined : String(o.lifeCycle),
  });
  const details = (o.details ?? []).map((d) => `<ParticipantObjectDetail${attrs({ type: d.type, value: Buffer.from(d.value).toString('base64') })}/>`).join('');
  return `<ParticipantObjectIdentification${a}>${coded('ParticipantObjectIDTypeCode', o.idType)}<ParticipantObjectName>${escapeXml(oneLine(o.name))}</ParticipantObjectName>${details}</ParticipantObjectIdentification>`;
}

/** The record as a DICOM PS3.15 A.5.1 AuditMessage (one line of XML, UTF-8, no declaration). */
export function auditMessageXml(record: AuditRecord, source: AuditSource): string {
  const event = attrs({ EventActionCode: record.action, EventDateTime: record.at, EventOutcomeIndicator: String(record.outcome) });
  const description =
    record.outcomeDescription === undefined ? '' : `<EventOutcomeDescription>${escapeXml(oneLine(record.outcomeDescription))}</EventOutcomeDescription>`;
  return [
    '<AuditMessage>',
    `<EventIdentification${event}>${coded('EventID', record.event)}${(record.types ?? []).map((t) => coded('EventTypeCode', t)).join('')}${description}</EventIdentification>`,
    ...record.participants.map(participant),
    `<AuditSourceIdentification${attrs({ AuditEnterpriseSiteID: source.site, AuditSourceID: source.id })}><AuditSourceTypeCode csd-code="${String(source.type)}"/></AuditSourceIdentification>`,
    ...record.objects.map(participantObject),
    '</AuditMessage>',
  ].join('');
}
