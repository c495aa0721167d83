import { hostname } from 'node:os';

/** RFC 5424 PRI of an audit record: facility 10 (security/authorization), severity 5 (notice), as IHE ITI-20 uses. */
const PRI = 10 * 8 + 5;
/** The MSGID IHE ITI-20 gives audit messages. */
export const AUDIT_MSGID = 'IHE+RFC-3881';
const BOM = '\uFEFF';

/** RFC 5424 §6: header fields are printable US-ASCII without spaces, each bounded; NILVALUE when empty. */
function field(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

export interface SyslogHeader {
  /** When the event happened (ISO 8601 UTC, at most microseconds). */
  readonly at: string;
  readonly appName: string;
  readonly hostname?: string;
  readonly procId?: string;
}

/** One RFC 5424 message: header, no structured data, MSG as UTF-8 with its BOM (RFC 5424 §6.4). */
export function syslogMessage(header: SyslogHeader, msg: string): Buffer {
  const head = [
    `<${String(PRI)}>1`,
    field(header.at, 32),
    field(header.hostname ?? hostname(), 255),
    field(header.appName, 48),
    field(header.procId ?? String(process.pid), 128),
    AUDIT_MSGID,
    '-',
  ].join(' ');
  return Buffer.from(`${head} ${BOM}${msg}`, 'utf8');
}

/** RFC 5425 §4.3 octet-counting: MSG-LEN SP SYSLOG-MSG. */
export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${String(message.length)} `, 'ascii'), message]);
}
