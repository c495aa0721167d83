import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { PublicJwk, thumbprint } from '@isl/chaincode';
import type { ReplayCache } from './replay-cache';

/**
 * HTTP Message Signatures (RFC 9421) as the image source requires them: one
 * signature labelled `isl`, by the recipient's key (ES256 → ecdsa-p256-sha256,
 * EdDSA → ed25519), whose public JWK travels in the signed `isl-recipient-key`
 * header and whose RFC 7638 thumbprint is `keyid`. See docs/protocol.md §8.
 */
export const SIGNATURE_LABEL = 'isl';
export const SIGNATURE_TAG = 'isl-retrieve';
export const RECIPIENT_KEY_HEADER = 'isl-recipient-key';
export const GET_COMPONENTS = ['@method', '@target-uri', RECIPIENT_KEY_HEADER] as const;
export const POST_COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest', RECIPIENT_KEY_HEADER] as const;

export interface SignatureTiming {
  /** How long after `created` a request is accepted (and its nonce remembered). */
  readonly windowSeconds: number;
  /** How far `created` may be ahead of the verifier's clock. */
  readonly skewSeconds: number;
}

export const defaultTiming: SignatureTiming = { windowSeconds: 120, skewSeconds: 30 };

export type SignatureFailure = 'missing' | 'malformed' | 'invalid' | 'stale' | 'replayed' | 'busy';

/** The request's signature does not authenticate it; nothing may be released. */
export class SignatureRejected extends Error {
  readonly failure: SignatureFailure;
  constructor(failure: SignatureFailure, message: string) {
    super(message);
    this.name = 'SignatureRejected';
    this.failure = failure;
  }
}

export interface RecipientSigningKey {
  readonly alg: 'ES256' | 'EdDSA';
  readonly publicJwk: JWK;
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

/** What a signature covers: lower-case header names to values. */
export interface SignedRequest {
  readonly method: string;
  /** Absolute URI the request is addressed to. */
  readonly targetUri: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface SignOptions {
  readonly created?: number;
  readonly nonce: string;
  readonly components: readonly string[];
}

/** RFC 9530 Content-Digest of a body with SHA-256. */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

export function encodeRecipientKey(jwk: JWK): string {
  const pub = PublicJwk.parse(jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  return Buffer.from(JSON.stringify(pub)).toString('base64url');
}

function algName(alg: 'ES256' | 'EdDSA'): string {
  return alg === 'ES256' ? 'ecdsa-p256-sha256' : 'ed25519';
}

function componentValue(request: SignedRequest, component: string): string {
  if (component === '@method') return request.method.toUpperCase();
  if (component === '@target-uri') return request.targetUri;
  if (component.startsWith('@')) throw new SignatureRejected('malformed', `unsupported derived component ${component}`);
  const value = request.headers[component];
  if (value === undefined) throw new SignatureRejected('malformed', `covered header ${component} is absent`);
  return value.trim();
}

/** RFC 9421 §2.5: one line per covered component, then @signature-params. */
export function signatureBase(request: SignedRequest, components: readonly string[], params: string): string {
  return [...components.map((c) => `"${c}": ${componentValue(request, c)}`), `"@signature-params": ${params}`].join('\n');
}

/** Signs the request; returns the headers to add (Signature-Input, Signature, and the key header). */
export function signRequest(key: RecipientSigningKey, request: SignedRequest, options: SignOptions): Record<string, string> {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const headers = { ...request.headers, [RECIPIENT_KEY_HEADER]: encodeRecipientKey(key.publicJwk) };
  const params = `(${options.components.map((c) => `"${c}"`).join(' ')});created=${String(created)};nonce="${options.nonce}";keyid="${key.keyId}";alg="${algName(key.alg)}";tag="${SIGNATURE_TAG}"`;
  const base = Buffer.from(signatureBase({ ...request, headers }, options.components, params));
  const signature = key.alg === 'ES256' ? sign('sha256', base, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign(null, base, key.privateKey);
  return {
    [RECIPIENT_KEY_HEADER]: headers[RECIPIENT_KEY_HEADER],
    'signature-input': `${SIGNATURE_LABEL}=${params}`,
    signature: `${SIGNATURE_LABEL}=:${signature.toString('base64')}:`,
  };
}

export interface VerifiedSignature {
  /** Thumbprint of the recipient key that signed. */
  readonly keyId: string;
  readonly nonce: string;
  readonly created: number;
}

interface ParsedInput {
  readonly components: string[];
  readonly params: Map<string, string | number>;
  readonly raw: string;
}

function member(header: string | undefined, label: string): string | undefined {
  if (header === undefined) return undefined;
  // Only our label is read; a dictionary with other labels is fine (RFC 9421 §4.3).
  const re = new RegExp(`(?:^|,)\\s*${label}=`, 'g');
  const found = re.exec(header);
  if (!found) return undefined;
  const start = found.index + found[0].length;
  // The member runs to the next top-level comma (none inside our quoted strings or lists).
  let depth = 0;
  let quoted = false;
  for (let i = start; i < header.length; i++) {
    const c = header[i];
    if (c === '"' && header[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') return header.slice(start, i).trim();
  }
  return header.slice(start).trim();
}

const INTEGER_PARAMS = new Set(['created', 'expires']);
const STRING_PARAMS = new Set(['nonce', 'keyid', 'alg', 'tag']);

function parseInput(raw: string): ParsedInput {
  const list = /^\(((?:\s*"[a-z0-9@_.-]+")*)\s*\)/.exec(raw);
  if (!list) throw new SignatureRejected('malformed', 'Signature-Input is not an inner list of component names');
  const components = [...(list[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
  const params = new Map<string, string | number>();
  const rest = raw.slice(list[0].length);
  const paramRe = /;([a-z][a-z0-9_.*-]*)=("((?:[^"\\]|\\.)*)"|-?[0-9]{1,15})/gy;
  let at = 0;
  while (at < rest.length) {
    paramRe.lastIndex = at;
    const m = paramRe.exec(rest);
    if (!m?.[1]) throw new SignatureRejected('malformed', 'Signature-Input parameters are malformed');
    if (params.has(m[1])) throw new SignatureRejected('malformed', `duplicate parameter ${m[1]}`);
    const quoted = m[3] !== undefined;
    // RFC 9421 §2.3: created and expires are Integers, the others Strings; a mistyped one is refused, never ignored.
    if (INTEGER_PARAMS.has(m[1]) && quoted) throw new SignatureRejected('malformed', `${m[1]} must be an Integer, not a String`);
    if (STRING_PARAMS.has(m[1]) && !quoted) throw new SignatureRejected('malformed', `${m[1]} must be a String`);
    params.set(m[1], m[3] ?? Number(m[2]));
    at = paramRe.lastIndex;
  }
  return { components, params, raw };
}

export interface VerifySignatureOptions {
  readonly requiredComponents: readonly string[];
  readonly timing?: SignatureTiming;
  readonly nowMs?: number;
  /** The request body, when covered by content-digest. */
  readonly body?: Uint8Array;
  /** Whether a nonce key (`keyid:nonce`) was used already: refused early, before any further work. */
  readonly seen?: (nonceKey: string, nowMs: number) => boolean;
}

export interface VerifyOptions extends Omit<VerifySignatureOptions, 'seen'> {
  readonly replayCache: ReplayCache;
}

/** A valid, fresh signature whose nonce has not been remembered yet. */
export interface UnclaimedSignature extends VerifiedSignature {
  /** `keyid:nonce`, the replay cache's key. */
  readonly nonceKey: string;
  /** Until when the nonce must be remembered (the end of its freshness window). */
  readonly rememberUntilMs: number;
  /** The recipient's public key presented with the request (its thumbprint is keyId). */
  readonly publicJwk: PublicJwk;
}

/**
 * Verifies the `isl` signature of a request and remembers its nonce: a
 * second use is refused ('replayed'), a full cache refuses ('busy').
 */
export async function verifyRequest(request: SignedRequest, options: VerifyOptions): Promise<VerifiedSignature> {
  const nowMs = options.nowMs ?? Date.now();
  const signature = await verifySignature(request, { ...options, nowMs, seen: (key, now) => options.replayCache.has(key, now) });
  return claimNonce(options.replayCache, signature, nowMs);
}

/**
 * Remembers the signature's nonce (owned by its key) in `cache`; throws
 * SignatureRejected 'replayed' if it was used, 'busy' if there is no room.
 */
export function claimNonce(cache: ReplayCache, signature: UnclaimedSignature, nowMs = Date.now()): VerifiedSignature {
  const remembered = cache.remember(signature.nonceKey, signature.rememberUntilMs, nowMs, signature.keyId);
  if (remembered === 'replayed') throw new SignatureRejected('replayed', 'this request (nonce) was already used');
  if (remembered === 'full') throw new SignatureRejected('busy', 'too many requests in the freshness window');
  if (remembered === 'quota') throw new SignatureRejected('busy', 'too many requests from this key in the freshness window');
  return { keyId: signature.keyId, nonce: signature.nonce, created: signature.created };
}

/**
 * Verifies the `isl` signature of a request: covered components, the key
 * (thumbprint = keyid), the signature and freshness; a nonce already `seen`
 * is refused. Nothing is remembered: the caller claims the nonce
 * (claimNonce) once it knows the request is worth remembering, so requests
 * that are refused anyway cannot fill the cache that protects releases.
 */
export async function verifySignature(request: SignedRequest, options: VerifySignatureOptions): Promise<UnclaimedSignature> {
  const timing = options.timing ?? defaultTiming;
  const nowMs = options.nowMs ?? Date.now();
  const inputRaw = member(request.headers['signature-input'], SIGNATURE_LABEL);
  const signatureRaw = member(request.headers.signature, SIGNATURE_LABEL);
  if (inputRaw === undefined || signatureRaw === undefined) {
    throw new SignatureRejected('missing', `the request carries no "${SIGNATURE_LABEL}" HTTP message signature`);
  }
  const input = parseInput(inputRaw);
  const { created, expires, nonce, keyId, alg } = signatureParams(input, options.requiredComponents);
  const sig = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(signatureRaw);
  if (!sig?.[1]) throw new SignatureRejected('malformed', 'Signature is not a byte sequence');
  const jwk = await presentedKey(request, keyId, alg);
  if (options.requiredComponents.includes('content-digest')) {
    if (options.body === undefined || request.headers['content-digest'] !== contentDigest(options.body)) {
      throw new SignatureRejected('invalid', 'Content-Digest does not match the body');
    }
  }
  const base = Buffer.from(signatureBase(request, input.components, input.raw));
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const signature = Buffer.from(sig[1], 'base64');
  const ok = jwk.kty === 'EC' ? verify('sha256', base, { key, dsaEncoding: 'ieee-p1363' }, signature) : verify(null, base, key, signature);
  if (!ok) throw new SignatureRejected('invalid', 'the signature does not verify');
  checkFreshness(created, expires, nowMs / 1000, timing);
  const nonceKey = `${keyId}:${nonce}`;
  if (options.seen?.(nonceKey, nowMs) === true) throw new SignatureRejected('replayed', 'this request (nonce) was already used');
  return { keyId, nonce, created, nonceKey, rememberUntilMs: (created + timing.windowSeconds + timing.skewSeconds) * 1000, publicJwk: jwk };
}

interface SignatureParams {
  readonly created: number;
  readonly expires: unknown;
  readonly nonce: string;
  readonly keyId: string;
  readonly alg: string;
}

/** The Signature-Input's parameters this profile needs, after checking it covers the required components. */
function signatureParams(input: ParsedInput, requiredComponents: readonly string[]): SignatureParams {
  for (const c of requiredComponents) {
    if (!input.components.includes(c)) throw new SignatureRejected('malformed', `the signature must cover ${c}`);
  }
  const created = input.params.get('created');
  const expires = input.params.get('expires');
  const nonce = input.params.get('nonce');
  const keyId = input.params.get('keyid');
  const alg = input.params.get('alg');
  if (typeof created !== 'number' || typeof nonce !== 'string' || typeof keyId !== 'string' || typeof alg !== 'string') {
    throw new SignatureRejected('malformed', 'Signature-Input needs created, nonce, keyid and alg');
  }
  if (input.params.get('tag') !== SIGNATURE_TAG) throw new SignatureRejected('malformed', `Signature-Input tag must be "${SIGNATURE_TAG}"`);
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw new SignatureRejected('malformed', 'nonce must be 16-64 base64url characters');
  return { created, expires, nonce, keyId, alg };
}

/** The recipient's public key presented with the request: its thumbprint must be the keyid, its type the alg. */
async function presentedKey(request: SignedRequest, keyId: string, alg: string): Promise<PublicJwk> {
  let jwk: PublicJwk;
  try {
    jwk = PublicJwk.parse(JSON.parse(Buffer.from(request.headers[RECIPIENT_KEY_HEADER] ?? '', 'base64url').toString('utf8')));
  } catch {
    throw new SignatureRejected('malformed', `${RECIPIENT_KEY_HEADER} is not a base64url public JWK`);
  }
  if ((await thumbprint(jwk)) !== keyId) throw new SignatureRejected('invalid', 'keyid is not the thumbprint of the presented key');
  const expectedAlg = jwk.kty === 'EC' ? 'ecdsa-p256-sha256' : 'ed25519';
  if (alg !== expectedAlg) throw new SignatureRejected('invalid', `alg ${alg} does not match the key`);
  return jwk;
}

function checkFreshness(created: number, expires: unknown, now: number, timing: SignatureTiming): void {
  if (created > now + timing.skewSeconds) throw new SignatureRejected('stale', 'created is in the future');
  if (now - created > timing.windowSeconds) throw new SignatureRejected('stale', `created is older than ${String(timing.windowSeconds)} s`);
  if (typeof expires === 'number' && expires <= now) throw new SignatureRejected('stale', 'the signature has expired');
}
