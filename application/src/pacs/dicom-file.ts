import { data } from 'dcmjs';

/** A file that is not a DICOM Part 10 file with the identifiers a study needs. */
export class DicomFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DicomFileError';
  }
}

/** The identifiers of one DICOM instance, read from its Part 10 file. */
export interface InstanceIdentifiers {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * Reads the identifiers of a DICOM Part 10 file (dcmjs), stopping before the
 * pixel data: publishing only needs the UIDs.
 */
export function readInstanceIdentifiers(bytes: Uint8Array, name = 'file'): InstanceIdentifiers {
  let dataset: Record<string, unknown>;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const file = data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false });
    dataset = data.DicomMetaDictionary.naturalizeDataset(file.dict);
  } catch (err) {
    throw new DicomFileError(`${name} is not a DICOM Part 10 file: ${(err as Error).message}`, { cause: err });
  }
  const uid = (tag: string): string => {
    const value = dataset[tag];
    const text = typeof value === 'string' ? value.replace(/\0+$/, '').trim() : undefined;
    if (text === undefined || text.length > 64 || !UID.test(text)) {
      throw new DicomFileError(`${name} has no valid ${tag}`);
    }
    return text;
  };
  return { studyInstanceUid: uid('StudyInstanceUID'), seriesInstanceUid: uid('SeriesInstanceUID'), sopInstanceUid: uid('SOPInstanceUID') };
}
