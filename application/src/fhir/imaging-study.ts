import type { ImagingStudy } from '@medplum/fhirtypes';
import { fhirId, keyReference, studyIdentifier, Systems } from './fhir-ids';

/** A study as the ledger answers it (GetStudy; chaincode/src/study/study.ts). */
export interface StudyView {
  readonly source: string;
  readonly study: string;
  readonly patient: string;
  readonly definedAt: string;
}

/**
 * A reference stub: the study's ledger reference and its patient key, where
 * to retrieve it is the source's business (docs/image-retrieval.md). The
 * Study Instance UID is added only for the source's own organisation, which
 * holds it anyway (`uid`); nobody else learns it here.
 */
export function imagingStudyOf(s: StudyView, uid: string | undefined): ImagingStudy {
  return {
    resourceType: 'ImagingStudy',
    id: fhirId(`${s.source}/${s.study}`),
    identifier: [studyIdentifier(s.source, s.study), ...(uid === undefined ? [] : [{ system: Systems.dicomUid, value: `urn:oid:${uid}` }])],
    status: 'available',
    subject: keyReference(Systems.patientKey, s.patient),
    started: s.definedAt,
  };
}
