import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

/** The SHA-256 of a private key's public half (what identifies it without revealing it). */
function publicFingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(createPublicKey(key).export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A PEM private key's fingerprint; of the PEM itself for keys OpenSSL cannot read (Fabric CA's Idemix revocation key). */
function pemFingerprint(pem: string): string {
  try {
    return publicFingerprint(createPrivateKey(pem));
  } catch {
    return `pem:${createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex')}`;
  }
}

/** Private JSON Web Keys (objects with "kty" and "d") anywhere in a parsed JSON value, bounded in depth. */
function privateJwks(value: unknown, depth = 0): JsonWebKey[] {
  if (depth > maxDepth || value === null || typeof value !== 'object') {
    return [];
  }
  const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value as Record<string, unknown>);
  const own = !Array.isArray(value) && 'kty' in value && 'd' in value ? [value as JsonWebKey] : [];
  return [...own, ...children.flatMap((v) => privateJwks(v, depth + 1))];
}

function jwkFingerprint(jwk: JsonWebKey): string {
  try {
    return publicFingerprint(createPrivateKey({ key: jwk, format: 'jwk' }));
  } catch {
    return `jwk:${createHash('sha256').update(JSON.stringify(jwk)).digest('hex')}`;
  }
}

/** The private keys in one file's text: PEM blocks, and private JWKs when the file is JSON. */
function fingerprintsInText(text: string): string[] {
  const found = [...text.matchAll(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g)].map((m) => pemFingerprint(m[0]));
  if (/"d"\s*:/.test(text)) {
    try {
      found.push(...privateJwks(JSON.parse(text)).map(jwkFingerprint));
    } catch {
      // Not JSON: no JSON Web Key in it.
    }
  }
  return found;
}

/**
 * Every private key in a folder's files (PEM blocks, private JSON Web Keys), as
 * the SHA-256 of its public key, never the key itself: what a check that no
 * member's home holds another's key compares. Files of 1 MiB and more (ledgers,
 * images) are not read.
 */
export function privateKeyFingerprints(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile() && statSync(path).size < 1024 * 1024) {
        for (const f of fingerprintsInText(readFileSync(path, 'latin1'))) {
          found.add(f);
        }
      }
    }
  };
  walk(dir);
  return found;
}
