import type { Access } from './access';

/**
 * Statements an organisation makes with its image source's key. The chaincode
 * records the relaying organisation as their author (DefineSource makes the
 * source the relayer's; the others must come from that organisation), and
 * DefineSource/DefineStudy raise its stake, from which the endorsement policy
 * is built. So a gateway relays them only for callers holding its own
 * organisation's member token: otherwise anyone could register sources "of"
 * the hospital and publish studies under self-made patient keys in its name.
 * RecordDisclosure is here too: it writes the organisation's accounting of
 * disclosures, and only its image source has reason to send one.
 * BreakGlass is here too: the organisation vouches for its clinician by
 * submitting it (the chaincode refuses it from any MSP but the hospital the
 * statement names), so only the hospital's own systems may ask for that.
 */
export const organisationStatementTypes: ReadonlySet<string> = new Set([
  'DefineSource',
  'UpdateSourceUrl',
  'DeactivateSource',
  'DefineStudy',
  'RecordDisclosure',
  'BreakGlass',
]);

/**
 * Who may relay a statement of this type: the organisation's member token, or
 * anyone (patients' and recipients' statements, whose signature carries the
 * authority; anonymous relays are rate-limited). Never an auditor token.
 */
export const statementAccess = (type: string): Extract<Access, 'member' | 'relay'> => (organisationStatementTypes.has(type) ? 'member' : 'relay');
