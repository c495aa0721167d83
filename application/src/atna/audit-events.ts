import type { AuditRecord, Code, Outcome, ParticipantObject } from './audit-message';

/** DICOM controlled terminology (PS3.16, code system DCM) used by the messages of PS3.15 A.5.3. */
const dcm = (code: string, meaning: string): Code => ({ code, system: 'DCM', meaning });
/** The ledger's own identifiers, which no standard code names (docs/audit-messages.md). */
const isl = (code: string, meaning: string): Code => ({ code, system: 'ISL', meaning });

export const Codes = {
  instancesTransferred: dcm('110104', 'DICOM Instances Transferred'),
  userAuthentication: dcm('110114', 'User Authentication'),
  login: dcm('110122', 'Login'),
  securityAlert: dcm('110113', 'Security Alert'),
  objectSecurityAttributesChanged: dcm('110135', 'Object Security Attributes Changed'),
  emergencyOverrideStarted: dcm('110127', 'Emergency Override Started'),
  sourceRole: dcm('110153', 'Source Role ID'),
  destinationRole: dcm('110152', 'Destination Role ID'),
  studyReference: isl('study-reference', 'Ledger study reference'),
  recipientKey: isl('recipient-key', 'Recipient key thumbprint'),
} as const;

/**
 * The study as a participant object, by the ledger's study reference in
 * place of its Study Instance UID: the ledger's privacy rules (no raw UIDs,
 * no patient identifiers) hold in audit messages too, so there is no patient
 * object either. The source maps the reference to its UID in its own records.
 */
function studyObject(reference: string, details: ParticipantObject['details'] = []): ParticipantObject {
  return { id: reference, idType: Codes.studyReference, name: reference, type: 2, role: 3, details };
}

export interface Transfer {
  readonly study: string;
  readonly recipient: string;
  readonly recipientAddress?: string;
  /** The image source's registered URL. */
  readonly source: string;
  readonly at: Date;
  readonly outcome: Outcome;
  readonly description?: string;
}

/** A release (outcome 0, or 4 when cut off) or a refused retrieval (4; 8 when the grant could not be checked): PS3.15 A.5.3.5. */
export function instancesTransferred(t: Transfer): AuditRecord {
  return {
    event: Codes.instancesTransferred,
    action: 'R',
    at: t.at.toISOString(),
    outcome: t.outcome,
    ...(t.description === undefined ? {} : { outcomeDescription: t.description }),
    participants: [
      { userId: t.source, requestor: false, role: Codes.sourceRole, accessPoint: { id: hostOf(t.source), type: 1 } },
      {
        userId: t.recipient,
        requestor: true,
        role: Codes.destinationRole,
        ...(t.recipientAddress === undefined ? {} : { accessPoint: { id: t.recipientAddress, type: 2 as const } }),
      },
    ],
    objects: [studyObject(t.study)],
  };
}

export interface AuthenticationFailure {
  /** Whom the request claimed to be (a key id), when it said; never a credential. */
  readonly user?: string;
  readonly address?: string;
  /** The node that refused (the image source's URL, the gateway's name). */
  readonly node: string;
  readonly reason: string;
  readonly at: Date;
}

/** A refused signature or bearer token: PS3.15 A.5.3.12 User Authentication, Login, minor failure. */
export function authenticationFailed(f: AuthenticationFailure): AuditRecord {
  return {
    event: Codes.userAuthentication,
    types: [Codes.login],
    action: 'E',
    at: f.at.toISOString(),
    outcome: 4,
    outcomeDescription: f.reason,
    participants: [
      {
        userId: f.user ?? 'unauthenticated',
        requestor: true,
        ...(f.address === undefined ? {} : { accessPoint: { id: f.address, type: 2 as const } }),
      },
      { userId: f.node, requestor: false },
    ],
    objects: [],
  };
}

/** A chaincode event as the gateway's event hub delivers it (ids only: the chaincode never emits PHI). */
export interface LedgerChange {
  readonly name: string;
  readonly transactionId: string;
  readonly blockNumber: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * Ledger changes reported as Security Alerts (PS3.15 A.5.3.11), by chaincode
 * event name. A change to who may read a study is a change of the study's
 * security attributes. Break-glass (issue 17) is one more entry here:
 * its event with EventTypeCode 110127 Emergency Override Started.
 */
export const LEDGER_CHANGE_ALERTS: Readonly<Record<string, { readonly type: Code; readonly description: string }>> = {
  AccessAllowed: { type: Codes.objectSecurityAttributesChanged, description: 'grant: the patient allowed the recipient access to the study' },
  AccessRevoked: { type: Codes.objectSecurityAttributesChanged, description: 'revocation: the patient revoked the recipient access to the study' },
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The Security Alert of a ledger change this member's gateway saw; undefined for events not audited. */
export function ledgerChangeAlert(change: LedgerChange, reporter: string, at: Date): AuditRecord | undefined {
  const alert = LEDGER_CHANGE_ALERTS[change.name];
  const study = text(change.payload.study);
  if (alert === undefined || study === undefined) return undefined;
  const recipient = text(change.payload.recipient);
  const details = [
    { type: 'transactionId', value: change.transactionId },
    { type: 'blockNumber', value: change.blockNumber },
  ];
  const objects: ParticipantObject[] = [studyObject(study, details)];
  if (recipient !== undefined) objects.push({ id: recipient, idType: Codes.recipientKey, name: recipient, type: 2, role: 11 });
  return {
    event: Codes.securityAlert,
    types: [alert.type],
    action: 'E',
    at: at.toISOString(),
    outcome: 0,
    outcomeDescription: `${change.name}: ${alert.description}`,
    participants: [{ userId: reporter, requestor: false }],
    objects,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
