/** Where a text holds private key material, in words a security officer reads (never the key itself). */
export function privateKeysInText(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/g)) {
    found.push(`a PEM "${m[1] ?? ''}" block`);
  }
  if (/PuTTY-User-Key-File-\d/.test(text)) {
    found.push('a PuTTY private key');
  }
  return found;
}

const maxDepth = 32;

/**
 * Private key material anywhere in a parsed JSON value: PEM blocks in any
 * string, and JSON Web Keys' private members ("d", and RSA's "p", "q", "dp",
 * "dq", "qi"; "k" of symmetric keys). Returns where, as JSON paths.
 */
export function privateKeysInJson(value: unknown, path = '$', depth = 0): string[] {
  if (depth > maxDepth) {
    return [`${path}: nested deeper than ${String(maxDepth)} levels (not scanned)`];
  }
  if (typeof value === 'string') {
    return privateKeysInText(value).map((what) => `${what} at ${path}`);
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => privateKeysInJson(v, `${path}[${String(i)}]`, depth + 1));
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const found: string[] = [];
    if ('kty' in record) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        if (member in record) {
          found.push(`a JSON Web Key's private member "${member}" at ${path}`);
        }
      }
    } else if ('d' in record && ('x' in record || 'crv' in record || 'n' in record)) {
      found.push(`a JSON Web Key's private member "d" at ${path}`);
    }
    for (const [k, v] of Object.entries(record)) {
      found.push(...privateKeysInJson(v, `${path}.${k}`, depth + 1));
    }
    return found;
  }
  return [];
}
