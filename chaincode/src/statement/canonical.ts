import canonicalize from 'canonicalize';

/** With the u flag a surrogate pair is one code point, so this matches only unpaired surrogates. */
export const LONE_SURROGATE = /\p{Cs}/u;

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

/** Why a JSON text was refused: each maps to a protocol code at the caller. */
export type JsonRefusalReason = 'SYNTAX' | 'NOT_I_JSON' | 'TOO_DEEP' | 'FORBIDDEN_MEMBER';

export class JsonRefusal extends Error {
  readonly reason: JsonRefusalReason;

  constructor(reason: JsonRefusalReason, detail: string) {
    super(detail);
    this.name = 'JsonRefusal';
    this.reason = reason;
  }
}

/**
 * Parses JSON text that RFC 8785 can canonicalise: I-JSON (RFC 7493 §2.1-2.2), so no
 * number beyond an IEEE 754 double (`1e400` parses to Infinity) and no lone UTF-16
 * surrogate in any string or member name; nesting at most maxDepth; and no member named
 * __proto__, constructor or prototype at any depth, so no parsed value can be mistaken
 * for (or merged into) an object prototype. The walk is iterative and linear in the text:
 * a JSON.parse reviver recurses and overflows the stack on a few thousand levels.
 * Encoding faults win over a forbidden name, as docs/protocol.md orders the checks.
 */
export function parseIJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JsonRefusal('SYNTAX', 'is not JSON');
  }
  let forbidden: string | undefined;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item === 'number' && !Number.isFinite(item)) {
      throw new JsonRefusal('NOT_I_JSON', 'has a number beyond the range of an IEEE 754 double (RFC 7493 §2.2)');
    }
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) {
      throw new JsonRefusal('NOT_I_JSON', 'has a string with a lone UTF-16 surrogate (RFC 7493 §2.1)');
    }
    if (typeof item !== 'object' || item === null) {
      continue;
    }
    if (depth >= maxDepth) {
      throw new JsonRefusal('TOO_DEEP', `nests arrays or objects more than ${String(maxDepth)} deep`);
    }
    if (Array.isArray(item)) {
      for (const element of item as unknown[]) {
        pending.push([element, depth + 1]);
      }
      continue;
    }
    for (const [name, member] of Object.entries(item)) {
      if (LONE_SURROGATE.test(name)) {
        throw new JsonRefusal('NOT_I_JSON', 'has a member name with a lone UTF-16 surrogate (RFC 7493 §2.1)');
      }
      if (forbidden === undefined && FORBIDDEN_MEMBER_NAMES.has(name)) {
        forbidden = name;
      }
      pending.push([member, depth + 1]);
    }
  }
  if (forbidden !== undefined) {
    throw new JsonRefusal('FORBIDDEN_MEMBER', `uses forbidden member name "${forbidden}"`);
  }
  return value;
}
