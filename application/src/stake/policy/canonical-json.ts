/**
 * Canonical JSON for ledger records: object keys sorted by code unit, no whitespace, and only
 * integers as numbers. Floats are refused because their decimal form differs between languages
 * (the chaincode and auditors must reproduce the exact bytes); record them as fixed-point strings.
 */

export type CanonicalValue = null | boolean | number | string | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue };

export function canonicalJson(value: CanonicalValue): string {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') {
        return JSON.stringify(value);
    }
    if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) {
            throw new TypeError(`canonical JSON allows only safe integers, got ${String(value)}`);
        }
        return String(value);
    }
    if (Array.isArray(value)) {
        return `[${value.map((v: CanonicalValue) => canonicalJson(v)).join(',')}]`;
    }
    const object = value as { readonly [key: string]: CanonicalValue };
    const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k] as CanonicalValue)}`).join(',')}}`;
}
