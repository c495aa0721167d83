"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.STATEMENT_TYPES = exports.ClaimSchemas = exports.CompactJws = exports.RequestId = exports.DenyReason = exports.Purpose = exports.EndpointUrl = exports.Nonce = exports.NumericDate = exports.Id32 = void 0;
exports.isStatementType = isStatementType;
exports.maxAgeSeconds = maxAgeSeconds;
exports.audienceFor = audienceFor;
const zod_1 = require("zod");
const keys_1 = require("./keys");
const limits_1 = require("./limits");
/** A key thumbprint or a study reference: base64url of 32 bytes (43 characters). */
exports.Id32 = zod_1.z
    .string()
    .max(43)
    .refine((s) => (0, keys_1.isBase64UrlOfLength)(s, 32), 'must be 43-character base64url of 32 bytes');
/** JWT NumericDate, whole seconds. */
exports.NumericDate = zod_1.z.number().int().min(0).max(253_402_300_799);
exports.Nonce = zod_1.z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]{16,}$/, 'must be 16-64 base64url characters');
/** An image source's ITI-43 endpoint: https, no credentials, query or fragment (they could carry identifiers). */
exports.EndpointUrl = zod_1.z
    .string()
    .max(limits_1.Limits.maxUrlLength)
    .refine(isEndpointUrl, 'must be an absolute https URL without credentials, query or fragment');
function isEndpointUrl(s) {
    if (!URL.canParse(s)) {
        return false;
    }
    const url = new URL(s);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && !s.includes('?') && !s.includes('#');
}
/** HL7 v3 PurposeOfUse codes: a closed vocabulary, so no free text (and no PHI) reaches the ledger. */
exports.Purpose = zod_1.z.enum(['TREAT', 'ETREAT', 'COC', 'PATRQT', 'FAMRQT', 'PWATRNY', 'HPAYMT', 'HOPERAT', 'HRESCH', 'CLINTRL', 'PUBHLTH', 'HLEGAL']);
exports.DenyReason = zod_1.z.enum(['NOT_RECOGNISED', 'PURPOSE_REFUSED', 'NOT_NEEDED', 'OTHER']);
/** A release identifier chosen by the source (e.g. a UUID); random, never an accession number. */
exports.RequestId = zod_1.z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]{16,}$/, 'must be 16-64 characters of [A-Za-z0-9_-]');
const CompactJws = (maxLength) => zod_1.z.string().max(maxLength);
exports.CompactJws = CompactJws;
const common = {
    iss: exports.Id32,
    aud: zod_1.z.string().max(limits_1.Limits.maxAudienceLength),
    iat: exports.NumericDate,
    exp: exports.NumericDate,
    jti: exports.Nonce,
};
exports.ClaimSchemas = {
    DefineSource: zod_1.z.strictObject({ type: zod_1.z.literal('DefineSource'), ...common, url: exports.EndpointUrl }),
    UpdateSourceUrl: zod_1.z.strictObject({ type: zod_1.z.literal('UpdateSourceUrl'), ...common, url: exports.EndpointUrl }),
    DeactivateSource: zod_1.z.strictObject({ type: zod_1.z.literal('DeactivateSource'), ...common }),
    PatientConsent: zod_1.z.strictObject({
        type: zod_1.z.literal('PatientConsent'),
        ...common,
        source: exports.Id32,
        study: exports.Id32,
        recovery: exports.Id32.optional(),
    }),
    DefineStudy: zod_1.z.strictObject({
        type: zod_1.z.literal('DefineStudy'),
        ...common,
        study: exports.Id32,
        consent: (0, exports.CompactJws)(limits_1.Limits.maxConsentLength),
    }),
    AllowAccess: zod_1.z.strictObject({
        type: zod_1.z.literal('AllowAccess'),
        ...common,
        source: exports.Id32,
        study: exports.Id32,
        recipient: exports.Id32,
        until: exports.NumericDate,
        purpose: exports.Purpose.optional(),
    }),
    RevokeAccess: zod_1.z.strictObject({ type: zod_1.z.literal('RevokeAccess'), ...common, source: exports.Id32, study: exports.Id32, recipient: exports.Id32 }),
    RequestAccess: zod_1.z.strictObject({ type: zod_1.z.literal('RequestAccess'), ...common, source: exports.Id32, study: exports.Id32, purpose: exports.Purpose }),
    DenyAccess: zod_1.z.strictObject({
        type: zod_1.z.literal('DenyAccess'),
        ...common,
        source: exports.Id32,
        study: exports.Id32,
        recipient: exports.Id32,
        reason: exports.DenyReason,
    }),
    RotateOwnerKey: zod_1.z.strictObject({
        type: zod_1.z.literal('RotateOwnerKey'),
        ...common,
        source: exports.Id32,
        study: exports.Id32,
        patient: exports.Id32,
        recovery: exports.Id32.optional(),
    }),
    RecordDisclosure: zod_1.z.strictObject({
        type: zod_1.z.literal('RecordDisclosure'),
        ...common,
        study: exports.Id32,
        recipient: exports.Id32,
        disclosedAt: exports.NumericDate,
        size: zod_1.z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        requestId: exports.RequestId,
    }),
};
exports.STATEMENT_TYPES = Object.keys(exports.ClaimSchemas);
function isStatementType(value) {
    return typeof value === 'string' && Object.hasOwn(exports.ClaimSchemas, value);
}
/** Statements submitted in their own transaction vs. the consent embedded in DefineStudy. */
function maxAgeSeconds(type) {
    return type === 'PatientConsent' ? limits_1.Limits.maxConsentAgeSeconds : limits_1.Limits.maxAgeSeconds;
}
/** The aud value for a channel and chaincode: `isl:<channel>/<chaincode>`. */
function audienceFor(channel, chaincode) {
    return `isl:${channel}/${chaincode}`;
}
//# sourceMappingURL=claims.js.map