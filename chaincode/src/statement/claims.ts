import { z } from 'zod';
import { isBase64UrlOfLength } from './keys';
import { Limits } from './limits';

/** A key thumbprint or a study reference: base64url of 32 bytes (43 characters). */
export const Id32 = z
  .string()
  .max(43)
  .refine((s) => isBase64UrlOfLength(s, 32), 'must be 43-character base64url of 32 bytes');

/** JWT NumericDate, whole seconds. */
export const NumericDate = z.number().int().min(0).max(253_402_300_799);

export const Nonce = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]{16,}$/, 'must be 16-64 base64url characters');

/** An image source's ITI-43 endpoint: https, no credentials, query or fragment (they could carry identifiers). */
export const EndpointUrl = z.string().max(Limits.maxUrlLength).refine(isEndpointUrl, 'must be an absolute https URL without credentials, query or fragment');

function isEndpointUrl(s: string): boolean {
  if (!URL.canParse(s)) {
    return false;
  }
  const url = new URL(s);
  return (
    url.protocol === 'https:' && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && !s.includes('?') && !s.includes('#')
  );
}

/** HL7 v3 PurposeOfUse codes: a closed vocabulary, so no free text (and no PHI) reaches the ledger. */
export const Purpose = z.enum(['TREAT', 'ETREAT', 'COC', 'PATRQT', 'FAMRQT', 'PWATRNY', 'HPAYMT', 'HOPERAT', 'HRESCH', 'CLINTRL', 'PUBHLTH', 'HLEGAL']);
export type Purpose = z.infer<typeof Purpose>;

export const DenyReason = z.enum(['NOT_RECOGNISED', 'PURPOSE_REFUSED', 'NOT_NEEDED', 'OTHER']);
export type DenyReason = z.infer<typeof DenyReason>;

/** A release identifier chosen by the source (e.g. a UUID); random, never an accession number. */
export const RequestId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]{16,}$/, 'must be 16-64 characters of [A-Za-z0-9_-]');

/** A Fabric MSP ID (an organisation of the consortium), e.g. Org1MSP. */
export const MspId = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be an MSP ID: 1-128 characters of [A-Za-z0-9_.-]');

/** A statement digest (SHA-256 of its canonical claims, lowercase hex), as record ids carry it. */
export const Digest = z
  .string()
  .max(64)
  .regex(/^[0-9a-f]{64}$/, 'must be a statement digest: 64 lowercase hex characters');

export const CompactJws = (maxLength: number) => z.string().max(maxLength);

const common = {
  iss: Id32,
  aud: z.string().max(Limits.maxAudienceLength),
  iat: NumericDate,
  exp: NumericDate,
  jti: Nonce,
};

export const ClaimSchemas = {
  DefineSource: z.strictObject({ type: z.literal('DefineSource'), ...common, url: EndpointUrl }),
  UpdateSourceUrl: z.strictObject({ type: z.literal('UpdateSourceUrl'), ...common, url: EndpointUrl }),
  DeactivateSource: z.strictObject({ type: z.literal('DeactivateSource'), ...common }),
  PatientConsent: z.strictObject({
    type: z.literal('PatientConsent'),
    ...common,
    source: Id32,
    study: Id32,
    recovery: Id32.optional(),
    /** false: the patient forbids break-glass access to this study (absent: allowed). */
    breakGlass: z.boolean().optional(),
  }),
  DefineStudy: z.strictObject({
    type: z.literal('DefineStudy'),
    ...common,
    study: Id32,
    consent: CompactJws(Limits.maxConsentLength),
  }),
  AllowAccess: z.strictObject({
    type: z.literal('AllowAccess'),
    ...common,
    source: Id32,
    study: Id32,
    recipient: Id32,
    until: NumericDate,
    purpose: Purpose.optional(),
  }),
  RevokeAccess: z.strictObject({ type: z.literal('RevokeAccess'), ...common, source: Id32, study: Id32, recipient: Id32 }),
  RequestAccess: z.strictObject({ type: z.literal('RequestAccess'), ...common, source: Id32, study: Id32, purpose: Purpose }),
  DenyAccess: z.strictObject({
    type: z.literal('DenyAccess'),
    ...common,
    source: Id32,
    study: Id32,
    recipient: Id32,
    reason: DenyReason,
  }),
  RotateOwnerKey: z.strictObject({
    type: z.literal('RotateOwnerKey'),
    ...common,
    source: Id32,
    study: Id32,
    patient: Id32,
    recovery: Id32.optional(),
  }),
  RecordDisclosure: z.strictObject({
    type: z.literal('RecordDisclosure'),
    ...common,
    study: Id32,
    recipient: Id32,
    disclosedAt: NumericDate,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    requestId: RequestId,
    /** The release was encrypted end to end to the recipient's key; optional, so statements without it stay valid. */
    encrypted: z.boolean().optional(),
    /** The digest of the BreakGlass statement the release was made under (absent: under a grant). */
    breakGlass: Digest.optional(),
  }),
  BreakGlass: z.strictObject({
    type: z.literal('BreakGlass'),
    ...common,
    source: Id32,
    study: Id32,
    /** The clinician's hospital: the organisation that must submit (vouch for) the statement. */
    hospital: MspId,
    /** Any code parses, so that a wrong one gets its own error (BREAK_GLASS_PURPOSE_INVALID). */
    purpose: Purpose,
    until: NumericDate,
  }),
  BreakGlassConsent: z.strictObject({
    type: z.literal('BreakGlassConsent'),
    ...common,
    source: Id32,
    study: Id32,
    /** false forbids break-glass access to the study from now on; true allows it again. */
    allow: z.boolean(),
  }),
} as const;

export type StatementType = keyof typeof ClaimSchemas;
export const STATEMENT_TYPES = Object.keys(ClaimSchemas) as StatementType[];
export type Claims<T extends StatementType> = z.infer<(typeof ClaimSchemas)[T]>;

/** Claims every statement carries; the rest are the type's fields. */
export type CommonClaim = 'type' | 'iss' | 'aud' | 'iat' | 'exp' | 'jti';
export type Fields<T extends StatementType> = Omit<Claims<T>, CommonClaim>;

export function isStatementType(value: unknown): value is StatementType {
  return typeof value === 'string' && Object.hasOwn(ClaimSchemas, value);
}

/** Statements submitted in their own transaction vs. the consent embedded in DefineStudy. */
export function maxAgeSeconds(type: StatementType): number {
  return type === 'PatientConsent' ? Limits.maxConsentAgeSeconds : Limits.maxAgeSeconds;
}

/** The aud value for a channel and chaincode: `isl:<channel>/<chaincode>`. */
export function audienceFor(channel: string, chaincode: string): string {
  return `isl:${channel}/${chaincode}`;
}
