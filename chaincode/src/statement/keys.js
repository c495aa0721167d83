"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PublicJwk = exports.Ed25519PublicJwk = exports.Es256PublicJwk = exports.ALGORITHMS = void 0;
exports.isBase64UrlOfLength = isBase64UrlOfLength;
exports.algorithmOf = algorithmOf;
exports.publicJwk = publicJwk;
exports.thumbprint = thumbprint;
const jose_1 = require("jose");
const zod_1 = require("zod");
exports.ALGORITHMS = ['ES256', 'EdDSA'];
/** True when s is unpadded base64url that decodes to exactly `bytes` bytes and re-encodes to itself. */
function isBase64UrlOfLength(s, bytes) {
    if (!/^[A-Za-z0-9_-]*$/.test(s)) {
        return false;
    }
    try {
        const decoded = jose_1.base64url.decode(s);
        return decoded.length === bytes && jose_1.base64url.encode(decoded) === s;
    }
    catch {
        return false;
    }
}
const coordinate = (bytes) => zod_1.z.string().max(64).refine((s) => isBase64UrlOfLength(s, bytes), `must be base64url of ${bytes} bytes`);
/** Public keys only: a JWK with `d` or any other extra member is refused (strict). */
exports.Es256PublicJwk = zod_1.z.strictObject({
    kty: zod_1.z.literal('EC'),
    crv: zod_1.z.literal('P-256'),
    x: coordinate(32),
    y: coordinate(32),
});
exports.Ed25519PublicJwk = zod_1.z.strictObject({
    kty: zod_1.z.literal('OKP'),
    crv: zod_1.z.literal('Ed25519'),
    x: coordinate(32),
});
exports.PublicJwk = zod_1.z.union([exports.Es256PublicJwk, exports.Ed25519PublicJwk]);
function algorithmOf(jwk) {
    if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
        return 'ES256';
    }
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
        return 'EdDSA';
    }
    return undefined;
}
/** The public members of a (possibly private) JWK, in the shape PublicJwk accepts. */
function publicJwk(jwk) {
    return exports.PublicJwk.parse(jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x });
}
/** A key's identifier on the ledger: its RFC 7638 SHA-256 JWK thumbprint (43 base64url characters). */
async function thumbprint(jwk) {
    return (0, jose_1.calculateJwkThumbprint)(publicJwk(jwk), 'sha256');
}
//# sourceMappingURL=keys.js.map