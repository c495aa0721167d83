import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildKosManifest, valueTypeOf, type ManifestStudy } from './kos-manifest';
import { readKosManifest } from './kos-reader';
import { newUid } from './dicom-writer';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const SR = '1.2.840.10008.5.1.4.1.1.88.22';
const LOCATION = '2.25.1234567890';

const study = (series: { readonly sopClassUid: string; readonly count: number }[]): ManifestStudy => ({
  studyInstanceUid: newUid(),
  patient: { name: 'Müller^Jörg', id: 'P-1', birthDate: '19700101', sex: 'M' },
  study: { date: '20250102', time: '103000', id: 'S1', accessionNumber: 'A1', referringPhysicianName: '' },
  series: series.map((s) => ({
    seriesInstanceUid: newUid(),
    instances: Array.from({ length: s.count }, () => ({ sopClassUid: s.sopClassUid, sopInstanceUid: newUid(), transferSyntaxUid: '1.2.840.10008.1.2.1' })),
  })),
});

/**
 * dciodvfy (Debian's dicom3tools, David Clunie): checks the file against the
 * IOD's modules and attributes in the DICOM standard. Its report is on
 * stderr, one "Error - …" / "Warning - …" line per finding.
 */
function dciodvfy(bytes: Buffer): { status: number; report: string } {
  const dir = mkdtempSync(join(tmpdir(), 'isl-kos-'));
  try {
    const file = join(dir, 'manifest.dcm');
    writeFileSync(file, bytes);
    try {
      const out = execFileSync('dciodvfy', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      return { status: 0, report: out };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { status: e.status ?? -1, report: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('XDS-I.b manifest (Key Object Selection Document)', () => {
  it('validates with dciodvfy (dicom3tools) with no error and no warning: two series, images and an SR, a non-ASCII name', function () {
    this.timeout(30_000);
    const kos = buildKosManifest(
      study([
        { sopClassUid: CT, count: 3 },
        { sopClassUid: SR, count: 1 },
      ]),
      { retrieveLocationUid: LOCATION },
    );
    const { status, report } = dciodvfy(kos);
    assert.doesNotMatch(report, /^(Error|Warning)/m, report);
    assert.equal(status, 0, report);
  });

  it('dciodvfy is a real check: a manifest without its Modality is reported as an error', function () {
    this.timeout(30_000);
    const kos = buildKosManifest(study([{ sopClassUid: CT, count: 1 }]), { retrieveLocationUid: LOCATION });
    // (0008,0060) CS "KO" → an unknown private-looking tag (0008,0061) keeps the length and breaks the IOD.
    const at = kos.indexOf(Buffer.from([0x08, 0x00, 0x60, 0x00, 0x43, 0x53]));
    assert.ok(at > 0);
    const broken = Buffer.from(kos);
    broken[at + 2] = 0x61;
    assert.match(dciodvfy(broken).report, /^Error - Missing attribute Type 1 Required Element=<Modality>/m);
  });

  it('lists every instance, by series, with the Retrieve Location UID: read back by the consumer’s reader', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sopClassUid: fc.constantFrom(CT, SR, '1.2.840.10008.5.1.4.1.1.4'), count: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (shape) => {
          const s = study(shape);
          const read = readKosManifest(buildKosManifest(s, { retrieveLocationUid: LOCATION }));
          assert.equal(read.studyInstanceUid, s.studyInstanceUid);
          assert.deepEqual(
            read.series,
            s.series.map((x) => ({
              seriesInstanceUid: x.seriesInstanceUid,
              retrieveLocationUid: LOCATION,
              instances: x.instances.map((i) => ({ sopClassUid: i.sopClassUid, sopInstanceUid: i.sopInstanceUid })),
            })),
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('references images as IMAGE, SR/presentation/RT plans as COMPOSITE, waveforms as WAVEFORM (TID 2010)', () => {
    assert.equal(valueTypeOf(CT), 'IMAGE');
    assert.equal(valueTypeOf('1.2.840.10008.5.1.4.1.1.481.1'), 'IMAGE');
    assert.equal(valueTypeOf('1.2.840.10008.5.1.4.1.1.481.5'), 'COMPOSITE');
    assert.equal(valueTypeOf(SR), 'COMPOSITE');
    assert.equal(valueTypeOf('1.2.840.10008.5.1.4.1.1.11.1'), 'COMPOSITE');
    assert.equal(valueTypeOf('1.2.840.10008.5.1.4.1.1.9.1.1'), 'WAVEFORM');
    assert.equal(valueTypeOf('1.2.840.10008.5.1.4.1.1.1.1'), 'IMAGE');
  });
});
