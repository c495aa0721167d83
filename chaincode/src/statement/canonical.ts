import canonicalize from 'canonicalize';

const FORBIDDEN_MEMBER_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** RFC 8785 (JCS) canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
    const text = canonicalize(value);
    if (text === undefined) {
        // Bug, not input: callers only pass JSON-representable values.
        throw new Error('value has no canonical JSON form');
    }
    return text;
}

export class ForbiddenMemberError extends Error {
    readonly member: string;
    constructor(member: string) {
        super(`member name "${member}" is not allowed`);
        this.member = member;
    }
}

/**
 * JSON.parse that refuses prototype-related member names anywhere in the document,
 * so no parsed value can be mistaken for (or merged into) an object prototype.
 */
export function parseJsonStrict(text: string): unknown {
    return JSON.parse(text, (key: string, value: unknown) => {
        if (FORBIDDEN_MEMBER_NAMES.has(key)) {
            throw new ForbiddenMemberError(key);
        }
        return value;
    });
}
