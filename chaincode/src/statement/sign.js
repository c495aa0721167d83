"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.signClaims = signClaims;
exports.buildClaims = buildClaims;
exports.createStatement = createStatement;
exports.newNonce = newNonce;
exports.newStudyReference = newStudyReference;
exports.generateStatementKey = generateStatementKey;
const node_crypto_1 = require("node:crypto");
const jose_1 = require("jose");
const canonical_1 = require("./canonical");
const keys_1 = require("./keys");
const limits_1 = require("./limits");
/**
 * Signs claims as a statement: the payload is their RFC 8785 canonical form and the
 * protected header is {alg, typ, jwk} with the signer's public key.
 * The claims are signed as given, so tests can sign invalid ones.
 */
async function signClaims(claims, privateJwk) {
    const alg = (0, keys_1.algorithmOf)(privateJwk);
    if (alg === undefined) {
        throw new Error('signing key must be a P-256 or Ed25519 private JWK');
    }
    const key = await (0, jose_1.importJWK)(privateJwk, alg);
    return new jose_1.CompactSign(new TextEncoder().encode((0, canonical_1.canonicalJson)(claims)))
        .setProtectedHeader({ alg, typ: limits_1.STATEMENT_MEDIA_TYPE, jwk: (0, keys_1.publicJwk)(privateJwk) })
        .sign(key);
}
/** Builds the claims of a statement of the given type, with iss set to the signer's thumbprint. */
async function buildClaims(type, fields, signer, options) {
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    return {
        ...fields,
        type,
        iss: await (0, keys_1.thumbprint)(signer),
        aud: options.audience,
        iat,
        exp: iat + (options.lifetime ?? limits_1.Limits.maxAgeSeconds),
        jti: options.jti ?? newNonce(),
    };
}
/** Builds and signs a statement: the compact JWS to pass to the transaction. */
async function createStatement(type, fields, signer, options) {
    return signClaims(await buildClaims(type, fields, signer, options), signer);
}
/** A fresh statement nonce: 16 random bytes, base64url (22 characters). */
function newNonce() {
    return jose_1.base64url.encode((0, node_crypto_1.randomBytes)(16));
}
/**
 * A fresh study reference: 32 random bytes, base64url. The image source keeps the
 * mapping to the DICOM Study Instance UID; the ledger never sees the UID.
 */
function newStudyReference() {
    return jose_1.base64url.encode((0, node_crypto_1.randomBytes)(32));
}
/** A new key pair as JWKs (private JWK includes the public members). */
async function generateStatementKey(alg) {
    const pair = await (0, jose_1.generateKeyPair)(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : 'P-256' });
    return { privateJwk: await (0, jose_1.exportJWK)(pair.privateKey), publicJwk: await (0, jose_1.exportJWK)(pair.publicKey) };
}
//# sourceMappingURL=sign.js.map