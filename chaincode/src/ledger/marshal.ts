import { canonicalJson } from '../statement/canonical';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every stored value and every result is RFC 8785 canonical JSON, so peers produce identical bytes. */
export function marshal(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

export function toJson(value: unknown): string {
  return canonicalJson(value);
}

/** Values are only ever written by marshal(), so parsing needs no validation. */
export function unmarshal(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}
