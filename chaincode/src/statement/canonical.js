"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ForbiddenMemberError = void 0;
exports.canonicalJson = canonicalJson;
exports.parseJsonStrict = parseJsonStrict;
const canonicalize_1 = __importDefault(require("canonicalize"));
const FORBIDDEN_MEMBER_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** RFC 8785 (JCS) canonical JSON text of a JSON value. */
function canonicalJson(value) {
    const text = (0, canonicalize_1.default)(value);
    if (text === undefined) {
        // Bug, not input: callers only pass JSON-representable values.
        throw new Error('value has no canonical JSON form');
    }
    return text;
}
class ForbiddenMemberError extends Error {
    member;
    constructor(member) {
        super(`member name "${member}" is not allowed`);
        this.member = member;
    }
}
exports.ForbiddenMemberError = ForbiddenMemberError;
/**
 * JSON.parse that refuses prototype-related member names anywhere in the document,
 * so no parsed value can be mistaken for (or merged into) an object prototype.
 */
function parseJsonStrict(text) {
    return JSON.parse(text, (key, value) => {
        if (FORBIDDEN_MEMBER_NAMES.has(key)) {
            throw new ForbiddenMemberError(key);
        }
        return value;
    });
}
//# sourceMappingURL=canonical.js.map