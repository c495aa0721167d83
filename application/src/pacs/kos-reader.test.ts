import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { element, emptyPrivateElements, EXPLICIT_LE, IMPLICIT_LE, instance, part10, UNDEFINED_LENGTH } from '../testing/dicom-builder';
import { DATASET_LIMITS, parseDataSet } from './dicom-dataset';
import { DicomFileError } from './dicom-file';
import { buildKosManifest } from './kos-manifest';
import { ManifestError, readKosManifest } from './kos-reader';
import { newUid } from './dicom-writer';

const LE = { explicit: true, little: true };
const kos = buildKosManifest(
  {
    studyInstanceUid: newUid(),
    patient: { name: 'A^B', id: '1', birthDate: '', sex: 'O' },
    study: { date: '', time: '', id: '', accessionNumber: '', referringPhysicianName: '' },
    series: [1, 2].map(() => ({
      seriesInstanceUid: newUid(),
      instances: [1, 2, 3].map(() => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: newUid(), transferSyntaxUid: EXPLICIT_LE })),
    })),
  },
  { retrieveLocationUid: '2.25.1' },
);

/** `depth` sequences, each holding one undefined-length item holding the next. */
function nested(depth: number): Buffer {
  const open = Buffer.concat([
    element(LE, 0x0040, 0xa375, 'SQ', Buffer.alloc(0), UNDEFINED_LENGTH),
    element(LE, 0xfffe, 0xe000, '', Buffer.alloc(0), UNDEFINED_LENGTH),
  ]);
  const close = Buffer.concat([element(LE, 0xfffe, 0xe00d, ''), element(LE, 0xfffe, 0xe0dd, '')]);
  return part10(EXPLICIT_LE, Buffer.concat([...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]));
}

/** What the reader may do with any input: answer, or throw one of its two coded errors. */
function outcome(bytes: Uint8Array): string {
  try {
    readKosManifest(bytes);
    return 'read';
  } catch (err) {
    assert.ok(err instanceof DicomFileError || err instanceof ManifestError, `a coded error, not ${String(err)}`);
    return err.code;
  }
}

describe('manifest reader (a consumer reads the source’s KOS: bounded, linear)', () => {
  it('reads sequences nested to the limit, and refuses one level deeper with DICOM_TOO_COMPLEX', () => {
    assert.equal(parseDataSet(nested(DATASET_LIMITS.maxDepth), new Set([0x0040a375])).size, 1);
    assert.equal(outcome(nested(DATASET_LIMITS.maxDepth + 1)), 'DICOM_TOO_COMPLEX');
    assert.equal(outcome(nested(10_000)), 'DICOM_TOO_COMPLEX');
  });

  it('refuses more than 250,000 elements (2 MiB of empty private elements) as DICOM_TOO_COMPLEX, not after reading them all', () => {
    const bytes = part10(EXPLICIT_LE, emptyPrivateElements(LE, DATASET_LIMITS.maxElements + 1));
    assert.equal(outcome(bytes), 'DICOM_TOO_COMPLEX');
  });

  it('refuses what is not a manifest: an image, another transfer syntax, no evidence', () => {
    assert.equal(outcome(instance(EXPLICIT_LE, { study: '1.2', series: '1.3', sop: '1.4' })), 'NOT_A_MANIFEST');
    assert.equal(outcome(instance(IMPLICIT_LE, { study: '1.2', series: '1.3', sop: '1.4' })), 'NOT_DICOM');
    assert.equal(outcome(part10(EXPLICIT_LE, element(LE, 0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.88.59'))), 'NOT_A_MANIFEST');
    assert.equal(outcome(Buffer.from('not dicom at all')), 'NOT_DICOM');
  });

  it('answers every prefix of a manifest with a coded error or the whole evidence, never a crash', () => {
    const whole = readKosManifest(kos);
    for (let n = 0; n < kos.length; n += 7) {
      const got = outcome(kos.subarray(0, n));
      // A prefix that ends between top-level elements after the evidence is a whole (shorter) manifest.
      if (got === 'read') assert.deepEqual(readKosManifest(kos.subarray(0, n)), whole, `prefix ${String(n)}`);
      else assert.ok(got === 'NOT_DICOM' || got === 'NOT_A_MANIFEST', `prefix ${String(n)}: ${got}`);
    }
    assert.equal(outcome(kos), 'read');
  });

  it('answers any corruption of a manifest with the manifest or a coded error (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(kos.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }), (flips) => {
        const bytes = Buffer.from(kos);
        for (const f of flips) bytes[f.at] = f.byte;
        outcome(bytes);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (tail) => {
        outcome(Buffer.concat([kos.subarray(0, 132), tail]));
      }),
      { numRuns: 500 },
    );
  });
});
