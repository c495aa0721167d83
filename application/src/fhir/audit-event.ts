import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import type { DisclosureRecord } from '@isl/chaincode';
import { LEDGER_CHANGE_ALERTS } from '../atna/audit-events';
import type { GrantView } from './consent';
import { fhirId, imagingStudyReference, keyReference, Systems } from './fhir-ids';

/** A release as the ledger accounts for it (ListDisclosures): the fields of the chaincode's record this view reads. */
export type DisclosureView = Pick<DisclosureRecord, 'id' | 'source' | 'study' | 'recipient' | 'disclosedAt' | 'size' | 'requestId'>;

/** One version of a grant record (GetHistory). */
export interface GrantChange {
  readonly txId: string;
  readonly timestamp: string;
  readonly value: GrantView | null;
}

const dcm = (code: string, display: string) => ({ system: Systems.dcm, code, display });
const observer = (gatewayOrg: string) => ({ observer: { display: `gateway of ${gatewayOrg}` }, site: gatewayOrg });
const studyEntity = (source: string, study: string): AuditEventEntity => ({
  what: imagingStudyReference(source, study),
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
  role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
});

/** A release as DICOM Instances Transferred (the same event the image source sends its repository: docs/audit-messages.md). */
export function releaseEvent(d: DisclosureView, gatewayOrg: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id: fhirId(`disclosure/${d.id}`),
    type: dcm('110104', 'DICOM Instances Transferred'),
    action: 'R',
    recorded: d.disclosedAt,
    outcome: '0',
    outcomeDesc: `released ${String(d.size)} bytes (request ${d.requestId})`,
    agent: [
      { type: { coding: [dcm('110153', 'Source Role ID')] }, who: keyReference(Systems.sourceKey, d.source), requestor: false },
      { type: { coding: [dcm('110152', 'Destination Role ID')] }, who: keyReference(Systems.recipientKey, d.recipient), requestor: true },
    ],
    source: observer(gatewayOrg),
    entity: [studyEntity(d.source, d.study)],
  };
}

/**
 * A grant or a revocation committed on the ledger, as the Security Alert the
 * gateway sends its repository (Object Security Attributes Changed), the
 * patient key that signed it as the requesting agent.
 */
export function ledgerChangeEvent(change: GrantChange, gatewayOrg: string): AuditEvent | undefined {
  const grant = change.value;
  if (grant === null) return undefined;
  const name = grant.status === 'revoked' ? 'AccessRevoked' : 'AccessAllowed';
  const alert = LEDGER_CHANGE_ALERTS[name];
  if (alert === undefined) return undefined;
  return {
    resourceType: 'AuditEvent',
    id: fhirId(`change/${change.txId}`),
    type: dcm('110113', 'Security Alert'),
    subtype: [dcm(alert.type.code, alert.type.meaning)],
    action: 'E',
    recorded: change.timestamp,
    outcome: '0',
    outcomeDesc: `${name}: ${alert.description}`,
    agent: [{ who: keyReference(Systems.patientKey, grant.patient), requestor: true }],
    source: observer(gatewayOrg),
    entity: [
      { ...studyEntity(grant.source, grant.study), detail: [{ type: 'transactionId', valueString: change.txId }] },
      {
        what: keyReference(Systems.recipientKey, grant.recipient),
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '11', display: 'Security User Entity' },
      },
    ],
  };
}
