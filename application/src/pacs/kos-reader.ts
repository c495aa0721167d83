import { CodedError } from '@isl/platform';
import { itemsOf, parseDataSet, stringOf } from './dicom-dataset';
import { KOS_SOP_CLASS } from './kos-manifest';

/** The file is DICOM but not a usable XDS-I.b manifest. */
export class ManifestError extends CodedError<'NOT_A_MANIFEST'> {}

/** What an Imaging Document Consumer needs from a manifest: where each series is and which instances to ask for. */
export interface ManifestReferences {
  readonly studyInstanceUid: string;
  readonly series: readonly {
    readonly seriesInstanceUid: string;
    /** Retrieve Location UID (0040,E011): the Imaging Document Source's RepositoryUniqueId for RAD-69. */
    readonly retrieveLocationUid: string | undefined;
    readonly instances: readonly { readonly sopClassUid: string; readonly sopInstanceUid: string }[];
  }[];
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const TAG = {
  sopClassUid: 0x00080016,
  studyInstanceUid: 0x0020000d,
  seriesInstanceUid: 0x0020000e,
  evidence: 0x0040a375,
  referencedSeries: 0x00081115,
  referencedSop: 0x00081199,
  referencedSopClassUid: 0x00081150,
  referencedSopInstanceUid: 0x00081155,
  retrieveLocationUid: 0x0040e011,
} as const;

const KEEP: ReadonlySet<number> = new Set(Object.values(TAG));

function uid(value: string | undefined, what: string): string {
  if (value === undefined || value.length > 64 || !UID.test(value)) throw new ManifestError('NOT_A_MANIFEST', `the manifest has no valid ${what}`);
  return value;
}

/**
 * Reads a Key Object Selection Document as an XDS-I.b manifest: its Current
 * Requested Procedure Evidence Sequence (0040,A375) (RAD TF-3
 * §4.68.4.1.2.1.1), by series. Bounded and linear (parseDataSet); throws
 * DicomFileError for a malformed file and ManifestError for a DICOM file that
 * is not a manifest of one study.
 */
export function readKosManifest(bytes: Uint8Array): ManifestReferences {
  const set = parseDataSet(bytes, KEEP);
  if (stringOf(set, TAG.sopClassUid) !== KOS_SOP_CLASS) {
    throw new ManifestError('NOT_A_MANIFEST', 'the document is not a Key Object Selection Document');
  }
  const studyInstanceUid = uid(stringOf(set, TAG.studyInstanceUid), 'Study Instance UID');
  const evidence = itemsOf(set, TAG.evidence);
  if (evidence.length !== 1 || stringOf(evidence[0] ?? set, TAG.studyInstanceUid) !== studyInstanceUid) {
    throw new ManifestError('NOT_A_MANIFEST', 'the evidence sequence must reference exactly the manifest’s study');
  }
  const series = itemsOf(evidence[0] ?? set, TAG.referencedSeries).map((s) => {
    const location = stringOf(s, TAG.retrieveLocationUid);
    return {
      seriesInstanceUid: uid(stringOf(s, TAG.seriesInstanceUid), 'Series Instance UID'),
      retrieveLocationUid: location === undefined ? undefined : uid(location, 'Retrieve Location UID'),
      instances: itemsOf(s, TAG.referencedSop).map((i) => ({
        sopClassUid: uid(stringOf(i, TAG.referencedSopClassUid), 'Referenced SOP Class UID'),
        sopInstanceUid: uid(stringOf(i, TAG.referencedSopInstanceUid), 'Referenced SOP Instance UID'),
      })),
    };
  });
  if (series.length === 0 || series.some((s) => s.instances.length === 0)) {
    throw new ManifestError('NOT_A_MANIFEST', 'the manifest references no instance (or a series without one)');
  }
  return { studyInstanceUid, series };
}
