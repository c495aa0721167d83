"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.verifyStatement = verifyStatement;
exports.parseClaims = parseClaims;
const node_crypto_1 = require("node:crypto");
const jose_1 = require("jose");
const zod_1 = require("zod");
const errors_1 = require("../errors");
const canonical_1 = require("./canonical");
const claims_1 = require("./claims");
const keys_1 = require("./keys");
const limits_1 = require("./limits");
const Header = zod_1.z.strictObject({
    alg: zod_1.z.string(),
    typ: zod_1.z.literal(limits_1.STATEMENT_MEDIA_TYPE),
    jwk: zod_1.z.unknown(),
});
function reject(code, detail) {
    throw new errors_1.LedgerError(code, detail);
}
/**
 * Verifies a compact JWS statement of the expected type. The checks run in the
 * order of docs/protocol.md, "Verification", and the first failure is reported.
 */
async function verifyStatement(jws, type, options) {
    const label = type;
    if (typeof jws !== 'string') {
        reject('STATEMENT_MALFORMED', `${label} statement must be a string`);
    }
    const maxLength = options.maxLength ?? limits_1.Limits.maxStatementLength;
    if (jws.length > maxLength) {
        reject('STATEMENT_TOO_LARGE', `${label} statement is ${jws.length} characters, more than ${maxLength}`);
    }
    const parts = jws.split('.');
    if (parts.length !== 3 || parts.some((part) => part.length === 0)) {
        reject('STATEMENT_MALFORMED', `${label} statement must be three non-empty dot-separated parts`);
    }
    parts.forEach((part, index) => {
        if (!isCanonicalBase64Url(part)) {
            reject('BASE64URL_INVALID', `${label} statement ${['header', 'payload', 'signature'][index]} is not canonical unpadded base64url`);
        }
    });
    const { alg, jwk } = readHeader(jws, label);
    const payload = await verifySignature(jws, jwk, alg, label);
    const claims = readClaims(payload, type);
    if (claims.aud !== options.audience) {
        reject('AUDIENCE_MISMATCH', `${label} aud "${claims.aud}" is not "${options.audience}"`);
    }
    const signer = await (0, jose_1.calculateJwkThumbprint)(jwk, 'sha256');
    if (claims.iss !== signer) {
        reject('ISSUER_KEY_MISMATCH', `${label} iss is not the thumbprint of the header jwk`);
    }
    checkTimes(claims, type, options.nowMs);
    return {
        type,
        claims,
        signer,
        signerJwk: jwk,
        digest: (0, node_crypto_1.createHash)('sha256').update(payload).digest('hex'),
    };
}
function isCanonicalBase64Url(part) {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) {
        return false;
    }
    try {
        return jose_1.base64url.encode(jose_1.base64url.decode(part)) === part;
    }
    catch {
        return false;
    }
}
function readHeader(jws, label) {
    let raw;
    try {
        raw = (0, jose_1.decodeProtectedHeader)(jws);
    }
    catch {
        reject('HEADER_INVALID', `${label} protected header is not a JSON object`);
    }
    const header = Header.safeParse(raw);
    if (!header.success) {
        reject('HEADER_INVALID', `${label} protected header: ${describeIssue(header.error.issues[0])}`);
    }
    const alg = header.data.alg;
    if (!keys_1.ALGORITHMS.includes(alg)) {
        reject('ALGORITHM_UNSUPPORTED', `${label} alg "${alg.slice(0, 32)}" is not one of ${keys_1.ALGORITHMS.join(', ')}`);
    }
    const jwk = keys_1.PublicJwk.safeParse(header.data.jwk);
    if (!jwk.success) {
        reject('KEY_INVALID', `${label} header jwk must be a public P-256 (EC) or Ed25519 (OKP) key with only kty, crv, x[, y]`);
    }
    if ((0, keys_1.algorithmOf)(jwk.data) !== alg) {
        reject('KEY_INVALID', `${label} header jwk (${jwk.data.kty} ${jwk.data.crv}) does not match alg ${alg}`);
    }
    return { alg: alg, jwk: jwk.data };
}
async function verifySignature(jws, jwk, alg, label) {
    let key;
    try {
        key = await (0, jose_1.importJWK)(jwk, alg);
    }
    catch {
        reject('KEY_INVALID', `${label} header jwk is not a valid ${alg} public key`);
    }
    try {
        const result = await (0, jose_1.compactVerify)(jws, key, { algorithms: [alg] });
        return result.payload;
    }
    catch {
        reject('SIGNATURE_INVALID', `${label} signature does not verify with the header jwk`);
    }
}
function readClaims(payload, type) {
    let text;
    let value;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
        value = (0, canonical_1.parseJsonStrict)(text);
    }
    catch (err) {
        if (err instanceof canonical_1.ForbiddenMemberError) {
            reject('FORBIDDEN_KEY', `${type} payload uses forbidden member name "${err.member}"`);
        }
        reject('PAYLOAD_INVALID', `${type} payload is not UTF-8 JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject('PAYLOAD_INVALID', `${type} payload is not a JSON object`);
    }
    if ((0, canonical_1.canonicalJson)(value) !== text) {
        reject('PAYLOAD_NOT_CANONICAL', `${type} payload is not the RFC 8785 canonical form of its claims`);
    }
    const actualType = value.type;
    if (actualType !== type) {
        reject('STATEMENT_TYPE_MISMATCH', `expected a ${type} statement, got ${typeof actualType === 'string' ? `"${actualType.slice(0, 32)}"` : 'no type'}`);
    }
    return parseClaims(value, type);
}
/** Validates claims with the type's strict schema, mapping the first issue to a code. */
function parseClaims(value, type) {
    const result = claims_1.ClaimSchemas[type].safeParse(value);
    if (result.success) {
        return result.data;
    }
    const issue = result.error.issues[0];
    if (issue === undefined) {
        throw new Error('zod reported failure without issues');
    }
    const name = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
        reject('CLAIM_UNKNOWN', `${type} claim "${issue.keys[0]?.slice(0, 32) ?? ''}" is not defined for this type`);
    }
    if (issue.path.length === 1 && !Object.hasOwn(value, name)) {
        reject('CLAIM_MISSING', `${type} claim "${name}" is required`);
    }
    if (issue.code === 'too_big' && issue.origin === 'string') {
        reject('VALUE_TOO_LARGE', `${type} claim "${name}" is longer than ${String(issue.maximum)} characters`);
    }
    reject('CLAIM_INVALID', `${type} claim "${name}": ${issue.message}`);
}
function describeIssue(issue) {
    if (issue === undefined) {
        return 'invalid';
    }
    if (issue.code === 'unrecognized_keys') {
        return `unknown member "${issue.keys[0]?.slice(0, 32) ?? ''}"`;
    }
    return `"${issue.path.map(String).join('.')}" ${issue.message}`;
}
function checkTimes(claims, type, nowMs) {
    const now = nowMs / 1000;
    const maxAge = (0, claims_1.maxAgeSeconds)(type);
    if (claims.iat > now + limits_1.Limits.clockSkewSeconds) {
        reject('ISSUED_AT_OUT_OF_WINDOW', `${type} iat ${claims.iat} is more than ${limits_1.Limits.clockSkewSeconds}s after the transaction time`);
    }
    if (now - claims.iat > maxAge) {
        reject('ISSUED_AT_OUT_OF_WINDOW', `${type} iat ${claims.iat} is more than ${maxAge}s before the transaction time`);
    }
    if (claims.exp <= claims.iat || claims.exp - claims.iat > maxAge) {
        reject('STATEMENT_LIFETIME_INVALID', `${type} exp must be after iat and at most ${maxAge}s after it`);
    }
    if (claims.exp <= now) {
        reject('STATEMENT_EXPIRED', `${type} expired at ${claims.exp}`);
    }
}
//# sourceMappingURL=verify.js.map