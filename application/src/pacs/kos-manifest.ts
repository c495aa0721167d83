import { newUid, part10File } from './dicom-writer';

/** What a study's manifest names: its patient and study attributes (as the PACS holds them) and every instance, by series. */
export interface ManifestStudy {
  readonly studyInstanceUid: string;
  readonly patient: { readonly name: string; readonly id: string; readonly birthDate: string; readonly sex: string };
  readonly study: {
    readonly date: string;
    readonly time: string;
    readonly id: string;
    readonly accessionNumber: string;
    readonly referringPhysicianName: string;
  };
  readonly series: readonly ManifestSeries[];
}

export interface ManifestSeries {
  readonly seriesInstanceUid: string;
  readonly instances: readonly ManifestInstance[];
}

export interface ManifestInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** The stored file's Transfer Syntax UID (what RAD-69 releases; never transcoded). */
  readonly transferSyntaxUid: string;
}

export const KOS_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';

/**
 * TID 2010 content item value type for a referenced SOP class (PS3.16):
 * WAVEFORM for waveforms, COMPOSITE for SR, presentation states, encapsulated
 * documents and RT objects other than RT Image, IMAGE otherwise.
 */
export function valueTypeOf(sopClassUid: string): 'IMAGE' | 'COMPOSITE' | 'WAVEFORM' {
  const storage = '1.2.840.10008.5.1.4.1.1.';
  if (!sopClassUid.startsWith(storage)) return 'COMPOSITE';
  const rest = sopClassUid.slice(storage.length);
  if (rest.startsWith('9.')) return 'WAVEFORM';
  if (/^(88|11|104|66|67|68)\./.test(rest) || (rest.startsWith('481.') && rest !== '481.1')) return 'COMPOSITE';
  return 'IMAGE';
}

const dicomDate = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date): string => d.toISOString().slice(11, 19).replace(/:/g, '');

/**
 * The study's XDS-I.b manifest: a DICOM Key Object Selection Document
 * (PS3.3 §A.35.4) titled (113030, DCM, "Manifest"), whose Current Requested
 * Procedure Evidence Sequence lists every instance by series with the
 * series' Retrieve Location UID (IHE RAD TF-3 §4.68.4.1.2.1.1), and whose
 * content tree (TID 2010) references each instance once. Made on request
 * from the PACS's own attributes, never stored. Returns the Part 10 file.
 */
export function buildKosManifest(study: ManifestStudy, options: { readonly retrieveLocationUid: string; readonly now?: Date }): Buffer {
  const now = options.now ?? new Date();
  const sopInstanceUid = newUid();
  const reference = (i: ManifestInstance): Record<string, string> => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid });
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: KOS_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: dicomDate(now),
    InstanceCreationTime: dicomTime(now),
    PatientName: study.patient.name,
    PatientID: study.patient.id,
    PatientBirthDate: study.patient.birthDate,
    PatientSex: study.patient.sex,
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: study.study.date,
    StudyTime: study.study.time,
    ReferringPhysicianName: study.study.referringPhysicianName,
    StudyID: study.study.id,
    AccessionNumber: study.study.accessionNumber,
    Modality: 'KO',
    SeriesInstanceUID: newUid(),
    SeriesNumber: '9999',
    SeriesDescription: 'XDS-I.b manifest',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Image Sharing Ledger',
    InstanceNumber: '1',
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: study.studyInstanceUid,
        ReferencedSeriesSequence: study.series.map((s) => ({
          SeriesInstanceUID: s.seriesInstanceUid,
          RetrieveLocationUID: options.retrieveLocationUid,
          ReferencedSOPSequence: s.instances.map(reference),
        })),
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [{ CodeValue: '113030', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Manifest' }],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: study.series.flatMap((s) =>
      s.instances.map((i) => ({ RelationshipType: 'CONTAINS', ValueType: valueTypeOf(i.sopClassUid), ReferencedSOPSequence: [reference(i)] })),
    ),
  };
  return part10File(dataset);
}
