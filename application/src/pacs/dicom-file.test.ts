import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { element, emptyPrivateElements, encodingOf, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, instance, part10, UNDEFINED_LENGTH } from '../testing/dicom-builder';
import { DicomFileError, readInstanceIdentifiers } from './dicom-file';
import { writeSyntheticStudy } from './synthetic-study';

const uids = { study: '1.2.826.0.1.1', series: '1.2.826.0.1.2', sop: '1.2.826.0.1.3' };
const expected = { studyInstanceUid: uids.study, seriesInstanceUid: uids.series, sopInstanceUid: uids.sop };

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof DicomFileError, String(err));
    return err.code;
  }
  return 'accepted';
};

describe('DICOM identifiers reader (bounded, linear)', () => {
  it('reads the files the synthetic study writes (dcmjs), as the study says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isl-dicom-'));
    try {
      const study = writeSyntheticStudy(dir, { instances: 3 });
      for (const f of study.files) {
        const ids = readInstanceIdentifiers(readFileSync(f), f);
        assert.equal(ids.studyInstanceUid, study.studyInstanceUid);
        assert.equal(ids.seriesInstanceUid, study.seriesInstanceUid);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads explicit and implicit little endian, explicit big endian and deflated data sets', () => {
    for (const ts of [EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE]) assert.deepEqual(readInstanceIdentifiers(instance(ts, uids)), expected, ts);
    const plain = instance(EXPLICIT_LE, uids);
    const metaEnd = plain.indexOf(Buffer.from(EXPLICIT_LE)) + EXPLICIT_LE.length + 1;
    const deflated = part10('1.2.840.10008.1.2.1.99', deflateRawSync(plain.subarray(metaEnd)));
    assert.deepEqual(readInstanceIdentifiers(deflated), expected);
  });

  it('walks undefined-length sequences, nested items and encapsulated pixel data before the identifiers', () => {
    for (const ts of [EXPLICIT_LE, IMPLICIT_LE]) {
      const e = encodingOf(ts);
      const item = (content: Buffer, defined: boolean): Buffer =>
        Buffer.concat([
          element(e, 0xfffe, 0xe000, '', defined ? content : Buffer.alloc(0), defined ? content.length : UNDEFINED_LENGTH),
          ...(defined ? [] : [content, element(e, 0xfffe, 0xe00d, '')]),
        ]);
      const seq = (group: number, el: number, items: Buffer[]): Buffer =>
        Buffer.concat([element(e, group, el, 'SQ', Buffer.alloc(0), UNDEFINED_LENGTH), ...items, element(e, 0xfffe, 0xe0dd, '')]);
      const inner = seq(0x0008, 0x1115, [item(element(e, 0x0008, 0x1150, 'UI', '1.2.3'), false), item(element(e, 0x0008, 0x1155, 'UI', '1.2.4'), true)]);
      // Encapsulated pixel data in a private element: fragments are items with defined lengths.
      const encapsulated = Buffer.concat([
        element(e, 0x0009, 0x1010, 'OB', Buffer.alloc(0), UNDEFINED_LENGTH),
        item(Buffer.alloc(0), true),
        item(Buffer.alloc(100, 0xfe), true),
        element(e, 0xfffe, 0xe0dd, ''),
      ]);
      const middle = Buffer.concat([seq(0x0008, 0x1140, [item(inner, false), item(inner, true)]), encapsulated]);
      assert.deepEqual(readInstanceIdentifiers(instance(ts, uids, middle)), expected, ts);
    }
  });

  it('refuses 500,000 empty private elements (the 4 MB upload that blocked the gateway for seconds) as DICOM_TOO_COMPLEX', () => {
    for (const ts of [EXPLICIT_LE, IMPLICIT_LE]) {
      const hostile = instance(ts, uids, emptyPrivateElements(encodingOf(ts), 500_000));
      assert.ok(hostile.length > 4_000_000);
      assert.equal(
        codeOf(() => readInstanceIdentifiers(hostile)),
        'DICOM_TOO_COMPLEX',
        ts,
      );
    }
    // Below the bound the same shape is fine.
    assert.deepEqual(readInstanceIdentifiers(instance(EXPLICIT_LE, uids, emptyPrivateElements(encodingOf(EXPLICIT_LE), 10_000))), expected);
  });

  it('refuses sequences nested past the depth bound, and a deflate bomb', () => {
    const e = encodingOf(EXPLICIT_LE);
    let nested = Buffer.alloc(0);
    for (let i = 0; i < 40; i++) {
      nested = Buffer.concat([
        element(e, 0x0009, 0x1000, 'SQ', Buffer.alloc(0), UNDEFINED_LENGTH),
        element(e, 0xfffe, 0xe000, '', Buffer.alloc(0), UNDEFINED_LENGTH),
        nested,
        element(e, 0xfffe, 0xe00d, ''),
        element(e, 0xfffe, 0xe0dd, ''),
      ]);
    }
    assert.equal(
      codeOf(() => readInstanceIdentifiers(instance(EXPLICIT_LE, uids, nested))),
      'DICOM_TOO_COMPLEX',
    );
    const bomb = part10('1.2.840.10008.1.2.1.99', deflateRawSync(Buffer.concat([element(e, 0x0008, 0x0016, 'OB', Buffer.alloc(17 * 1024 * 1024))])));
    assert.ok(bomb.length < 1024 * 1024);
    assert.equal(
      codeOf(() => readInstanceIdentifiers(bomb)),
      'DICOM_TOO_COMPLEX',
    );
  });

  it('refuses files without the prefix, truncated files and files without valid UIDs as NOT_DICOM', () => {
    assert.equal(
      codeOf(() => readInstanceIdentifiers(Buffer.from('not dicom'))),
      'NOT_DICOM',
    );
    const whole = instance(EXPLICIT_LE, uids);
    assert.equal(
      codeOf(() => readInstanceIdentifiers(whole.subarray(0, whole.indexOf(Buffer.from(uids.study)) + 3))),
      'NOT_DICOM',
    );
    assert.equal(
      codeOf(() => readInstanceIdentifiers(instance(EXPLICIT_LE, { ...uids, study: 'x.1' }))),
      'NOT_DICOM',
    );
  });

  it('throws nothing but DicomFileError on corrupted files (fuzz)', () => {
    const base = instance(EXPLICIT_LE, uids, element(encodingOf(EXPLICIT_LE), 0x0008, 0x1140, 'SQ', Buffer.alloc(0), UNDEFINED_LENGTH));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat(base.length), (edits, cut) => {
        const bytes = Buffer.from(base.subarray(0, Math.max(cut, 132)));
        for (const [at, value] of edits) if (at < bytes.length && at >= 128) bytes[at] = value;
        try {
          readInstanceIdentifiers(bytes);
        } catch (err) {
          assert.ok(err instanceof DicomFileError, String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
