import { randomUUID } from 'node:crypto';
import { data } from 'dcmjs';

/** This implementation's Implementation Class UID (PS3.7 §D.3.3.2), in the files it writes. */
export const IMPLEMENTATION_CLASS_UID = '2.25.253542391286937425187155127620356436631';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** A fresh UID under the 2.25 root (ITU-T X.667: a UUID as a decimal integer), no registry needed. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/**
 * A DICOM Part 10 file (Explicit VR Little Endian) of a dcmjs naturalized
 * data set, its file meta information taken from the data set's SOP Class
 * and SOP Instance UIDs.
 */
export function part10File(dataset: { readonly SOPClassUID: string; readonly SOPInstanceUID: string } & Record<string, unknown>): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
  };
  const dict = new data.DicomDict(data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}
