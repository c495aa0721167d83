import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { base64url, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { LedgerError, type ErrorCode } from '../errors';
import { JsonRefusal, LONE_SURROGATE, canonicalJson, parseIJson } from './canonical';
import { ClaimSchemas, maxAgeSeconds, type Claims, type StatementType } from './claims';
import { ALGORITHMS, PublicJwk, algorithmOf, type Algorithm } from './keys';
import { Limits, STATEMENT_MEDIA_TYPE } from './limits';

/** What a statement is checked against: where it is submitted, and when. */
export interface VerifyOptions {
  readonly audience: string;
  /** The transaction timestamp, milliseconds since the epoch. */
  readonly nowMs: number;
  readonly maxLength?: number;
}

/** A statement whose signature, format, audience and times have been verified. */
export interface Statement<T extends StatementType> {
  readonly type: T;
  readonly claims: Claims<T>;
  /** Thumbprint of the signing key (equal to claims.iss). */
  readonly signer: string;
  readonly signerJwk: PublicJwk;
  /** SHA-256 (hex) of the payload, which is the canonical claims: the replay key. */
  readonly digest: string;
}

const Header = z.strictObject({
  alg: z.string(),
  typ: z.literal(STATEMENT_MEDIA_TYPE),
  jwk: z.unknown(),
});

function reject(code: ErrorCode, detail: string): never {
  throw new LedgerError(code, detail);
}

/**
 * Verifies a compact JWS statement of the expected type. The checks run in the
 * order of docs/protocol.md, "Verification", and the first failure is reported.
 */
export function verifyStatement<T extends StatementType>(jws: unknown, type: T, options: VerifyOptions): Promise<Statement<T>> {
  // Synchronous inside (Node's crypto); a promise outside, so callers and the jose-era API stay as they were.
  return new Promise((resolve) => {
    resolve(checkStatement(jws, type, options));
  });
}

function checkStatement<T extends StatementType>(jws: unknown, type: T, options: VerifyOptions): Statement<T> {
  const label = type;
  if (typeof jws !== 'string') {
    reject('STATEMENT_MALFORMED', `${label} statement must be a string`);
  }
  const maxLength = options.maxLength ?? Limits.maxStatementLength;
  if (jws.length > maxLength) {
    reject('STATEMENT_TOO_LARGE', `${label} statement is ${jws.length} characters, more than ${maxLength}`);
  }
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((part) => part.length === 0)) {
    reject('STATEMENT_MALFORMED', `${label} statement must be three non-empty dot-separated parts`);
  }
  parts.forEach((part, index) => {
    if (!isCanonicalBase64Url(part)) {
      reject('BASE64URL_INVALID', `${label} statement ${['header', 'payload', 'signature'][index]} is not canonical unpadded base64url`);
    }
  });

  const { alg, jwk } = readHeader(jws, label);
  const payload = verifySignature(parts as [string, string, string], jwk, alg, label);
  const claims = readClaims(payload, type);

  if (claims.aud !== options.audience) {
    reject('AUDIENCE_MISMATCH', `${label} aud "${claims.aud}" is not "${options.audience}"`);
  }
  const signer = jwkThumbprint(jwk);
  if (claims.iss !== signer) {
    reject('ISSUER_KEY_MISMATCH', `${label} iss is not the thumbprint of the header jwk`);
  }
  checkTimes(claims, type, options.nowMs);

  return {
    type,
    claims,
    signer,
    signerJwk: jwk,
    digest: createHash('sha256').update(payload).digest('hex'),
  };
}

/** A short, well-formed echo of an input string for an error detail (a cut may split a surrogate pair). */
function excerpt(s: string): string {
  return s.slice(0, 32).replace(new RegExp(LONE_SURROGATE, 'gu'), '\ufffd');
}

function isCanonicalBase64Url(part: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) {
    return false;
  }
  try {
    return base64url.encode(base64url.decode(part)) === part;
  } catch {
    return false;
  }
}

function readHeader(jws: string, label: string): { alg: Algorithm; jwk: PublicJwk } {
  let raw: unknown;
  try {
    raw = decodeProtectedHeader(jws);
  } catch {
    reject('HEADER_INVALID', `${label} protected header is not a JSON object`);
  }
  const header = Header.safeParse(raw);
  if (!header.success) {
    reject('HEADER_INVALID', `${label} protected header: ${describeIssue(header.error.issues[0])}`);
  }
  const alg = header.data.alg;
  if (!(ALGORITHMS as readonly string[]).includes(alg)) {
    reject('ALGORITHM_UNSUPPORTED', `${label} alg "${excerpt(alg)}" is not one of ${ALGORITHMS.join(', ')}`);
  }
  const jwk = PublicJwk.safeParse(header.data.jwk);
  if (!jwk.success) {
    reject('KEY_INVALID', `${label} header jwk must be a public P-256 (EC) or Ed25519 (OKP) key with only kty, crv, x[, y]`);
  }
  if (algorithmOf(jwk.data) !== alg) {
    reject('KEY_INVALID', `${label} header jwk (${jwk.data.kty} ${jwk.data.crv}) does not match alg ${alg}`);
  }
  return { alg, jwk: jwk.data };
}

/**
 * The JWS signature check on Node's own crypto, synchronously. jose's compactVerify goes through
 * WebCrypto, whose key import, verify and digest each hop to libuv's thread pool and back: on a
 * 2-core virtual machine those thread switches cost more than the P-256 arithmetic (issue 15,
 * docs/performance.md). The header was validated above (only alg, typ, jwk: no crit, no b64), so
 * the signing input is always ASCII(header "." payload) as RFC 7515 §5.2 defines it.
 */
function verifySignature([header, payload, signature]: readonly [string, string, string], jwk: PublicJwk, alg: Algorithm, label: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    reject('KEY_INVALID', `${label} header jwk is not a valid ${alg} public key`);
  }
  const input = Buffer.from(`${header}.${payload}`, 'ascii');
  const signatureBytes = base64url.decode(signature);
  let valid: boolean;
  try {
    valid =
      alg === 'ES256'
        ? // JWS ES256 signatures are r || s (RFC 7518 §3.4), which is OpenSSL's ieee-p1363 encoding.
          signatureBytes.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signatureBytes)
        : verify(null, input, key, signatureBytes);
  } catch {
    valid = false;
  }
  if (!valid) {
    reject('SIGNATURE_INVALID', `${label} signature does not verify with the header jwk`);
  }
  return base64url.decode(payload);
}

/**
 * RFC 7638 SHA-256 thumbprint of a validated public key: the required members in lexicographic
 * order, no whitespace. PublicJwk admits only base64url strings and fixed names, so JSON.stringify
 * of this object is exactly that form.
 */
function jwkThumbprint(jwk: PublicJwk): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return base64url.encode(createHash('sha256').update(JSON.stringify(members)).digest());
}

function readClaims<T extends StatementType>(payload: Uint8Array, type: T): Claims<T> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    reject('PAYLOAD_INVALID', `${type} payload is not UTF-8`);
  }
  let value: unknown;
  try {
    value = parseIJson(text, Limits.maxPayloadDepth);
  } catch (err) {
    if (!(err instanceof JsonRefusal)) {
      throw err;
    }
    reject(err.reason === 'FORBIDDEN_MEMBER' ? 'FORBIDDEN_KEY' : 'PAYLOAD_INVALID', `${type} payload ${err.message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reject('PAYLOAD_INVALID', `${type} payload is not a JSON object`);
  }
  if (canonicalJson(value) !== text) {
    reject('PAYLOAD_NOT_CANONICAL', `${type} payload is not the RFC 8785 canonical form of its claims`);
  }
  const actualType = (value as Record<string, unknown>).type;
  if (actualType !== type) {
    reject('STATEMENT_TYPE_MISMATCH', `expected a ${type} statement, got ${typeof actualType === 'string' ? `"${excerpt(actualType)}"` : 'no type'}`);
  }
  return parseClaims(value as Record<string, unknown>, type);
}

/** Validates claims with the type's strict schema, mapping the first issue to a code. */
export function parseClaims<T extends StatementType>(value: Record<string, unknown>, type: T): Claims<T> {
  const result = ClaimSchemas[type].safeParse(value);
  if (result.success) {
    return result.data as Claims<T>;
  }
  const issue = result.error.issues[0];
  if (issue === undefined) {
    throw new Error('zod reported failure without issues');
  }
  const name = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    reject('CLAIM_UNKNOWN', `${type} claim "${excerpt(issue.keys[0] ?? '')}" is not defined for this type`);
  }
  if (issue.path.length === 1 && !Object.hasOwn(value, name)) {
    reject('CLAIM_MISSING', `${type} claim "${name}" is required`);
  }
  if (issue.code === 'too_big' && issue.origin === 'string') {
    reject('VALUE_TOO_LARGE', `${type} claim "${name}" is longer than ${String(issue.maximum)} characters`);
  }
  reject('CLAIM_INVALID', `${type} claim "${name}": ${issue.message}`);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) {
    return 'invalid';
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown member "${excerpt(issue.keys[0] ?? '')}"`;
  }
  return `"${issue.path.map(String).join('.')}" ${issue.message}`;
}

function checkTimes(claims: { iat: number; exp: number }, type: StatementType, nowMs: number): void {
  const now = nowMs / 1000;
  const maxAge = maxAgeSeconds(type);
  if (claims.iat > now + Limits.clockSkewSeconds) {
    reject('ISSUED_AT_OUT_OF_WINDOW', `${type} iat ${claims.iat} is more than ${Limits.clockSkewSeconds}s after the transaction time`);
  }
  if (now - claims.iat > maxAge) {
    reject('ISSUED_AT_OUT_OF_WINDOW', `${type} iat ${claims.iat} is more than ${maxAge}s before the transaction time`);
  }
  if (claims.exp <= claims.iat || claims.exp - claims.iat > maxAge) {
    reject('STATEMENT_LIFETIME_INVALID', `${type} exp must be after iat and at most ${maxAge}s after it`);
  }
  if (claims.exp <= now) {
    reject('STATEMENT_EXPIRED', `${type} expired at ${claims.exp}`);
  }
}
