import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newUid, part10File } from './dicom-writer';

export interface SyntheticStudyOptions {
  /** Number of CT slices (instances), ≥ 1. */
  readonly instances: number;
  /** Pixels per side of each square slice (default 32: small files, quick tests). */
  readonly size?: number;
  readonly patientName?: string;
  readonly patientId?: string;
  readonly description?: string;
  /** Series the slices are dealt into, round robin (default 1). */
  readonly series?: number;
}

export interface SyntheticStudy {
  readonly studyInstanceUid: string;
  /** The first series. */
  readonly seriesInstanceUid: string;
  readonly seriesInstanceUids: readonly string[];
  readonly files: readonly string[];
}

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/**
 * Writes a synthetic CT study (one series of `instances` slices) as DICOM
 * Part 10 files made locally with dcmjs: no patient data, no download. The
 * pixels are a gradient plus noise so every slice differs.
 */
export function writeSyntheticStudy(folder: string, options: SyntheticStudyOptions): SyntheticStudy {
  if (!Number.isInteger(options.instances) || options.instances < 1) {
    throw new RangeError('a synthetic study needs at least one instance');
  }
  const size = options.size ?? 32;
  const studyInstanceUid = newUid();
  const seriesCount = options.series ?? 1;
  if (!Number.isInteger(seriesCount) || seriesCount < 1 || seriesCount > options.instances) {
    throw new RangeError('a synthetic study has 1 to `instances` series');
  }
  const seriesInstanceUids = Array.from({ length: seriesCount }, () => newUid());
  const now = new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().slice(11, 19).replace(/:/g, '');
  const patientId = options.patientId ?? `SYN-${randomUUID().slice(0, 8)}`;
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  for (let i = 1; i <= options.instances; i++) {
    const sopInstanceUid = newUid();
    const noise = randomBytes(size * size);
    const pixels = new Uint16Array(size * size).map((_, p) => (((p % size) + Math.floor(p / size) + i * 7) * 8 + (noise[p] ?? 0)) & 0x0fff);
    const dataset = {
      SOPClassUID: CT_IMAGE_STORAGE,
      SOPInstanceUID: sopInstanceUid,
      StudyInstanceUID: studyInstanceUid,
      SeriesInstanceUID: seriesInstanceUids[(i - 1) % seriesCount],
      StudyDate: date,
      StudyTime: time,
      StudyID: '1',
      AccessionNumber: '',
      ReferringPhysicianName: '',
      StudyDescription: options.description ?? 'Synthetic CT (generated, no patient data)',
      PatientName: options.patientName ?? 'SYNTHETIC^PATIENT',
      PatientID: patientId,
      PatientBirthDate: '',
      PatientSex: 'O',
      Modality: 'CT',
      Manufacturer: 'Image Sharing Ledger synthetic generator',
      SeriesNumber: String(((i - 1) % seriesCount) + 1),
      InstanceNumber: String(i),
      ImagePositionPatient: ['0', '0', String(i * 2.5)],
      ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
      SliceThickness: '2.5',
      PixelSpacing: ['0.7', '0.7'],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: size,
      Columns: size,
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const file = join(folder, `CT${String(i).padStart(4, '0')}.dcm`);
    writeFileSync(file, part10File(dataset));
    files.push(file);
  }
  return { studyInstanceUid, seriesInstanceUid: seriesInstanceUids[0] ?? '', seriesInstanceUids, files };
}
