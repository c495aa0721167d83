/**
 * Hand-built DICOM Part 10 bytes for tests: any transfer syntax, any
 * elements, including hostile ones no toolkit would write.
 */
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
export const UNDEFINED_LENGTH = 0xffffffff;

export interface Encoding {
  readonly explicit: boolean;
  readonly little: boolean;
}

export const encodingOf = (ts: string): Encoding => ({ explicit: ts !== IMPLICIT_LE, little: ts !== EXPLICIT_BE });

/** One data element; `value` undefined with `length` UNDEFINED_LENGTH writes an undefined-length header only. */
export function element(e: Encoding, group: number, elementNumber: number, vr: string, value: Buffer | string = Buffer.alloc(0), length?: number): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value.length % 2 === 1 ? `${value}\0` : value, 'latin1') : value;
  const len = length ?? v.length;
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    if (e.little) b.writeUInt16LE(n);
    else b.writeUInt16BE(n);
    return b;
  };
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    if (e.little) b.writeUInt32LE(n);
    else b.writeUInt32BE(n);
    return b;
  };
  const tag = Buffer.concat([u16(group), u16(elementNumber)]);
  if (group === 0xfffe || !e.explicit) return Buffer.concat([tag, u32(len), v]);
  if (LONG_VRS.has(vr)) return Buffer.concat([tag, Buffer.from(vr, 'latin1'), Buffer.alloc(2), u32(len), v]);
  return Buffer.concat([tag, Buffer.from(vr, 'latin1'), u16(len), v]);
}

/** Preamble, DICM, the file meta group (explicit little endian), then `dataSet` (already encoded). */
export function part10(transferSyntax: string, dataSet: Buffer): Buffer {
  const meta = element({ explicit: true, little: true }, 0x0002, 0x0010, 'UI', transferSyntax);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(meta.length);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element({ explicit: true, little: true }, 0x0002, 0x0000, 'UL', length), meta, dataSet]);
}

export interface Uids {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

/** A minimal instance: SOP Instance UID, `middle` (elements between group 0008 and 0020), Study and Series UIDs. */
export function instance(transferSyntax: string, uids: Uids, middle: Buffer = Buffer.alloc(0)): Buffer {
  const e = encodingOf(transferSyntax);
  return part10(
    transferSyntax,
    Buffer.concat([
      element(e, 0x0008, 0x0018, 'UI', uids.sop),
      middle,
      element(e, 0x0020, 0x000d, 'UI', uids.study),
      element(e, 0x0020, 0x000e, 'UI', uids.series),
      element(e, 0x7fe0, 0x0010, 'OW', Buffer.alloc(64)),
    ]),
  );
}

/** `count` empty private elements (groups 0009, 000B, ...), the shape of the hostile upload. */
export function emptyPrivateElements(e: Encoding, count: number): Buffer {
  const out = Buffer.alloc(count * 8); // an empty element is its 8-byte header in every encoding
  for (let i = 0; i < count; i++) {
    const at = i * 8;
    const group = 0x0009 + 2 * Math.floor(i / 0xff00);
    const number = 0x0100 + (i % 0xff00);
    if (e.little) {
      out.writeUInt16LE(group, at);
      out.writeUInt16LE(number, at + 2);
    } else {
      out.writeUInt16BE(group, at);
      out.writeUInt16BE(number, at + 2);
    }
    if (e.explicit) out.write('LO', at + 4, 'latin1'); // then a 2-byte length 0; implicit: a 4-byte length 0
  }
  return out;
}
