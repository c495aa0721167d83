"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LedgerError = exports.ErrorCodes = exports.verifyStatement = exports.signClaims = exports.newStudyReference = exports.newNonce = exports.generateStatementKey = exports.createStatement = exports.buildClaims = exports.STATEMENT_MEDIA_TYPE = exports.Limits = exports.thumbprint = exports.publicJwk = exports.algorithmOf = exports.canonicalJson = exports.STATEMENT_TYPES = exports.Purpose = exports.DenyReason = exports.ClaimSchemas = exports.audienceFor = void 0;
/**
 * The image-sharing ledger's public protocol, for clients (application, CLI, tests):
 * build and sign statements, compute key thumbprints. See docs/protocol.md.
 */
var claims_1 = require("./claims");
Object.defineProperty(exports, "audienceFor", { enumerable: true, get: function () { return claims_1.audienceFor; } });
Object.defineProperty(exports, "ClaimSchemas", { enumerable: true, get: function () { return claims_1.ClaimSchemas; } });
Object.defineProperty(exports, "DenyReason", { enumerable: true, get: function () { return claims_1.DenyReason; } });
Object.defineProperty(exports, "Purpose", { enumerable: true, get: function () { return claims_1.Purpose; } });
Object.defineProperty(exports, "STATEMENT_TYPES", { enumerable: true, get: function () { return claims_1.STATEMENT_TYPES; } });
var canonical_1 = require("./canonical");
Object.defineProperty(exports, "canonicalJson", { enumerable: true, get: function () { return canonical_1.canonicalJson; } });
var keys_1 = require("./keys");
Object.defineProperty(exports, "algorithmOf", { enumerable: true, get: function () { return keys_1.algorithmOf; } });
Object.defineProperty(exports, "publicJwk", { enumerable: true, get: function () { return keys_1.publicJwk; } });
Object.defineProperty(exports, "thumbprint", { enumerable: true, get: function () { return keys_1.thumbprint; } });
var limits_1 = require("./limits");
Object.defineProperty(exports, "Limits", { enumerable: true, get: function () { return limits_1.Limits; } });
Object.defineProperty(exports, "STATEMENT_MEDIA_TYPE", { enumerable: true, get: function () { return limits_1.STATEMENT_MEDIA_TYPE; } });
var sign_1 = require("./sign");
Object.defineProperty(exports, "buildClaims", { enumerable: true, get: function () { return sign_1.buildClaims; } });
Object.defineProperty(exports, "createStatement", { enumerable: true, get: function () { return sign_1.createStatement; } });
Object.defineProperty(exports, "generateStatementKey", { enumerable: true, get: function () { return sign_1.generateStatementKey; } });
Object.defineProperty(exports, "newNonce", { enumerable: true, get: function () { return sign_1.newNonce; } });
Object.defineProperty(exports, "newStudyReference", { enumerable: true, get: function () { return sign_1.newStudyReference; } });
Object.defineProperty(exports, "signClaims", { enumerable: true, get: function () { return sign_1.signClaims; } });
var verify_1 = require("./verify");
Object.defineProperty(exports, "verifyStatement", { enumerable: true, get: function () { return verify_1.verifyStatement; } });
var errors_1 = require("../errors");
Object.defineProperty(exports, "ErrorCodes", { enumerable: true, get: function () { return errors_1.ErrorCodes; } });
Object.defineProperty(exports, "LedgerError", { enumerable: true, get: function () { return errors_1.LedgerError; } });
//# sourceMappingURL=index.js.map