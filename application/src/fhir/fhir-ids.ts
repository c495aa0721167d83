import { createHash } from 'node:crypto';
import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';

/**
 * The identifier systems of the ledger's own ids, which no HL7 system names
 * (docs/audit-messages.md §FHIR). All are ids the ledger itself holds: never PHI.
 */
export const Systems = {
  studyReference: 'urn:isl:study-reference',
  patientKey: 'urn:isl:patient-key',
  recipientKey: 'urn:isl:recipient-key',
  sourceKey: 'urn:isl:source-key',
  grant: 'urn:isl:grant',
  transaction: 'urn:isl:transaction',
  dicomUid: 'urn:dicom:uid',
  dcm: 'http://dicom.nema.org/resources/ontology/DCM',
} as const;

/**
 * A FHIR logical id ([A-Za-z0-9-.]{1,64}) for a ledger record: ledger ids use
 * base64url ('_') and can be longer, so the id is the SHA-256 of the ledger id
 * in hex (64 characters), stable across gateways and calls.
 */
export function fhirId(ledgerId: string): string {
  return createHash('sha256').update(ledgerId).digest('hex');
}

/** The ledger's reference of a study, `<source>/<study>`, as an identifier. */
export const studyIdentifier = (source: string, study: string): Identifier => ({ system: Systems.studyReference, value: `${source}/${study}` });

/** A reference to a ledger key by its identifier (no resource for it is served). */
export const keyReference = <T extends Resource>(system: string, value: string, display?: string): Reference<T> => ({
  identifier: { system, value },
  ...(display === undefined ? {} : { display }),
});

/** The ImagingStudy stub of a study, as other resources refer to it. */
export const imagingStudyReference = (source: string, study: string): Reference => ({ reference: `ImagingStudy/${fhirId(`${source}/${study}`)}` });
