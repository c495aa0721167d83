import type { Consent } from '@medplum/fhirtypes';
import { fhirId, imagingStudyReference, keyReference, Systems } from './fhir-ids';

/** A grant as the ledger answers it (ListGrants; chaincode/src/grant/grant.ts). */
export interface GrantView {
  readonly id: string;
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
  readonly patient: string;
  readonly purpose?: string;
  readonly grantedAt: string;
  readonly until: string;
  readonly status: 'active' | 'revoked';
  readonly revokedAt?: string;
}

/**
 * A grant as a FHIR R4 Consent: the patient's permit for the recipient
 * (actor, role IRCP information recipient) to access the study, for the
 * provision period from the grant to its end (the lease's end, or the
 * revocation). Active while the lease runs and it is not revoked.
 */
export function consentOf(grant: GrantView, now: Date): Consent {
  const end = grant.revokedAt ?? grant.until;
  const active = grant.status === 'active' && Date.parse(grant.until) > now.getTime();
  return {
    resourceType: 'Consent',
    id: fhirId(grant.id),
    identifier: [{ system: Systems.grant, value: grant.id }],
    status: active ? 'active' : 'inactive',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: keyReference(Systems.patientKey, grant.patient),
    dateTime: grant.grantedAt,
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN', display: 'opt-in' }] },
    provision: {
      type: 'permit',
      period: { start: grant.grantedAt, end },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: keyReference(Systems.recipientKey, grant.recipient),
        },
      ],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access', display: 'Access' }] }],
      ...(grant.purpose === undefined ? {} : { purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: grant.purpose }] }),
      data: [{ meaning: 'instance', reference: imagingStudyReference(grant.source, grant.study) }],
    },
  };
}
