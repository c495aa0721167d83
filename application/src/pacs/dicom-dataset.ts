import { DicomFileError, ITEM, ITEM_END, readFileMeta, SEQUENCE_END, Truncated, UNDEFINED, Walker, type DicomReadLimits, type Encoding } from './dicom-file';

/** A parsed data set: elements by tag ((group << 16) | element). */
export type DataSet = ReadonlyMap<number, DicomValue>;

/** An element's raw value, or a sequence's items. */
export type DicomValue = { readonly vr: string; readonly bytes: Buffer } | { readonly vr: 'SQ'; readonly items: readonly DataSet[] };

/**
 * A manifest is read whole: more elements than an identifier scan (a KOS of
 * 20,000 instances, the publishing limit, holds ~200,000), the same nesting bound.
 */
export const DATASET_LIMITS: DicomReadLimits = { maxElements: 250_000, maxDepth: 16, maxInflatedBytes: 0 };

const EXPLICIT_LE: Encoding = { explicit: true, little: true };

/**
 * Parses a DICOM Part 10 file in Explicit VR Little Endian into a tree of
 * data sets holding the elements whose tags are in `keep` (at any level);
 * the others, and sequences not kept, are walked over without being built.
 * Linear and bounded like the identifier scan (every element and item
 * counted against `maxElements`, sequences nested at most `maxDepth`);
 * values are views into `bytes`, never copied. Throws DicomFileError
 * (NOT_DICOM, DICOM_TOO_COMPLEX), and nothing else.
 */
export function parseDataSet(bytes: Uint8Array, keep: ReadonlySet<number>, limits: DicomReadLimits = DATASET_LIMITS): DataSet {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 132 || b.toString('latin1', 128, 132) !== 'DICM') {
    throw new DicomFileError('NOT_DICOM', 'no DICM prefix at byte 128');
  }
  const walker = new Walker(limits);
  try {
    const meta = readFileMeta(b, walker);
    if (meta.transferSyntax !== '1.2.840.10008.1.2.1') {
      throw new DicomFileError('NOT_DICOM', `transfer syntax ${meta.transferSyntax} is not read here (Explicit VR Little Endian only)`);
    }
    return new Reader(b, walker, limits.maxDepth, keep).elements(meta.end, b.length, 0).set;
  } catch (err) {
    if (err instanceof Truncated) throw new DicomFileError('NOT_DICOM', 'the file ends inside a data element');
    if (err instanceof RangeError) throw new DicomFileError('NOT_DICOM', `malformed data element: ${err.message}`);
    throw err;
  }
}

class Reader {
  readonly #b: Buffer;
  readonly #walker: Walker;
  readonly #maxDepth: number;
  readonly #keep: ReadonlySet<number>;

  constructor(b: Buffer, walker: Walker, maxDepth: number, keep: ReadonlySet<number>) {
    this.#b = b;
    this.#walker = walker;
    this.#maxDepth = maxDepth;
    this.#keep = keep;
  }

  /** Elements from `pos` up to `end` (a defined length), or up to an item delimiter when `end` is undefined. */
  elements(pos: number, end: number | undefined, depth: number): { set: Map<number, DicomValue>; next: number } {
    const set = new Map<number, DicomValue>();
    let at = pos;
    while (end === undefined || at < end) {
      const h = this.#walker.header(this.#b, at, EXPLICIT_LE);
      if (h.tag === ITEM_END && end === undefined) return { set, next: h.value };
      if (h.tag >>> 16 === 0xfffe) throw new DicomFileError('NOT_DICOM', `unexpected delimiter at byte ${String(at)}`);
      const kept = this.#keep.has(h.tag);
      if (h.vr === 'SQ' && kept) {
        const { items, next } = this.#sequence(h.value, h.length, depth + 1);
        set.set(h.tag, { vr: 'SQ', items });
        at = next;
      } else if (h.length === UNDEFINED) {
        at = this.#walker.skipUndefined(this.#b, h.value, h.vr === 'UN' ? { explicit: false, little: true } : EXPLICIT_LE, depth + 1);
      } else {
        if (h.value + h.length > (end ?? this.#b.length)) throw new Truncated();
        if (kept) set.set(h.tag, { vr: h.vr ?? 'UN', bytes: this.#b.subarray(h.value, h.value + h.length) });
        at = h.value + h.length;
      }
    }
    if (at !== end) throw new DicomFileError('NOT_DICOM', 'an element overruns its item');
    return { set, next: at };
  }

  #sequence(pos: number, length: number, depth: number): { items: DataSet[]; next: number } {
    if (depth > this.#maxDepth) throw new DicomFileError('DICOM_TOO_COMPLEX', `sequences nested deeper than ${String(this.#maxDepth)}`);
    const end = length === UNDEFINED ? undefined : pos + length;
    if (end !== undefined && end > this.#b.length) throw new Truncated();
    const items: DataSet[] = [];
    let at = pos;
    while (end === undefined || at < end) {
      const item = this.#walker.header(this.#b, at, EXPLICIT_LE);
      if (item.tag === SEQUENCE_END && end === undefined) return { items, next: item.value };
      if (item.tag !== ITEM) throw new DicomFileError('NOT_DICOM', `expected an item at byte ${String(at)}`);
      const content = this.elements(item.value, item.length === UNDEFINED ? undefined : item.value + item.length, depth);
      items.push(content.set);
      at = content.next;
    }
    if (at !== end) throw new DicomFileError('NOT_DICOM', 'an item overruns its sequence');
    return { items, next: at };
  }
}

/** A string value without its padding (UI, CS, LO, …); undefined when absent or a sequence. */
export function stringOf(set: DataSet, tag: number): string | undefined {
  const v = set.get(tag);
  if (v === undefined || !('bytes' in v)) return undefined;
  return v.bytes.toString('utf8').replace(/[\0 ]+$/, '');
}

/** A sequence's items ([] when absent or not a sequence). */
export function itemsOf(set: DataSet, tag: number): readonly DataSet[] {
  const v = set.get(tag);
  return v !== undefined && 'items' in v ? v.items : [];
}
