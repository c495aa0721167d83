/** RFC 8785 (JCS) canonical JSON text of a JSON value. */
export declare function canonicalJson(value: unknown): string;
export declare class ForbiddenMemberError extends Error {
    readonly member: string;
    constructor(member: string);
}
/**
 * JSON.parse that refuses prototype-related member names anywhere in the document,
 * so no parsed value can be mistaken for (or merged into) an object prototype.
 */
export declare function parseJsonStrict(text: string): unknown;
