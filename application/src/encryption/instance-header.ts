import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, EmbeddedJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { PublicJwk, thumbprint } from '@isl/chaincode';
import { checkChunkBytes, KEY_BYTES } from './chunk-stream';
import { EncryptionError } from './errors';

/** First bytes of every encrypted instance: the format and its version. */
export const MAGIC = Buffer.from('ISL-E2E1', 'ascii');
/** The header's length is a 4-byte big-endian integer after the magic; a recipient refuses a longer one. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const PREFIX_BYTES = MAGIC.length + 4;
export const HEADER_TYPE = 'isl-e2e+jws';
const WRAP = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' } as const;

const Id32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** What the source signs about one encrypted instance (docs/image-retrieval.md). */
export const HeaderClaims = z.strictObject({
  v: z.literal(1),
  /** The recipient key (thumbprint) the content key is wrapped to. */
  recipient: Id32,
  study: Id32,
  /** The nonce of the signed request this release answers: an old release cannot be passed off as this one. */
  request: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  /** The instance's position in the study's release (0-based) and how many instances it has. */
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  /** Plaintext bytes per chunk. */
  chunk: z.number().int(),
  /** JWE (RFC 7516 compact, ECDH-ES+A256KW, A256GCM) whose plaintext is the 32-byte content key. */
  cek: z.string().max(4096),
});
export type HeaderClaims = z.infer<typeof HeaderClaims>;

/** The source's key as it signs headers: the private JWK, its algorithm and its public members (embedded in every header). */
export interface SourceKey {
  readonly privateJwk: JWK;
  readonly alg: 'ES256' | 'EdDSA';
  readonly publicJwk: JWK;
}

/** A key as jose takes it: a JWK, or imported once (an import per header was a measurable share of a release's CPU). */
export type HeaderKey = JWK | CryptoKey;

export interface SealHeaderInput {
  readonly source: { readonly signingKey: HeaderKey; readonly alg: SourceKey['alg']; readonly publicJwk: JWK };
  /** The recipient's agreement key (agreementPublicJwk). */
  readonly agreementKey: HeaderKey;
  readonly contentKey: Uint8Array;
  readonly claims: Omit<HeaderClaims, 'v' | 'cek'>;
}

/** The header of an encrypted instance: the content key wrapped to the recipient, signed by the source; with its magic and length. */
export async function sealHeader(input: SealHeaderInput): Promise<Buffer> {
  const cek = await new CompactEncrypt(input.contentKey).setProtectedHeader({ ...WRAP, kid: input.claims.recipient }).encrypt(input.agreementKey);
  const payload: HeaderClaims = { v: 1, ...input.claims, cek };
  const jws = await new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: input.source.alg, typ: HEADER_TYPE, jwk: input.source.publicJwk })
    .sign(input.source.signingKey);
  const header = Buffer.from(jws, 'ascii');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([MAGIC, length, header]);
}

/** The header length from the first PREFIX_BYTES of an encrypted instance. */
export function headerLength(prefix: Buffer): number {
  if (prefix.length < PREFIX_BYTES || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new EncryptionError('ENCRYPTED_HEADER_INVALID', 'not an ISL-E2E1 encrypted instance');
  }
  const n = prefix.readUInt32BE(MAGIC.length);
  if (n === 0 || n > MAX_HEADER_BYTES) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `header length ${String(n)} is out of bounds`);
  return n;
}

/** What the recipient expects of every header of its release. */
export interface ExpectedHeader {
  readonly source: string;
  readonly recipient: string;
  readonly study: string;
  readonly request: string;
}

export interface OpenedHeader {
  readonly claims: HeaderClaims;
  readonly contentKey: Uint8Array;
}

/**
 * Verifies a header: signed by the source (its embedded key's thumbprint is
 * the source id), for this recipient, study and request; then unwraps the
 * content key with the recipient's agreement key.
 */
export async function openHeader(header: Buffer, expected: ExpectedHeader, agreementPrivateKey: HeaderKey): Promise<OpenedHeader> {
  const claims = await verifiedClaims(header.toString('ascii'), expected.source);
  for (const name of ['recipient', 'study', 'request'] as const) {
    if (claims[name] !== expected[name]) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `the header is for another ${name}`);
  }
  checkChunkBytes(claims.chunk);
  if (claims.index >= claims.count) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', 'index is not below count');
  let contentKey: Uint8Array;
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(claims.cek, agreementPrivateKey, {
      keyManagementAlgorithms: [WRAP.alg],
      contentEncryptionAlgorithms: [WRAP.enc],
    });
    if (protectedHeader.kid !== expected.recipient) throw new Error('kid is not the recipient');
    contentKey = plaintext;
  } catch (err) {
    throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `the content key cannot be unwrapped with this key: ${(err as Error).message}`);
  }
  if (contentKey.length !== KEY_BYTES) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', 'the content key is not 32 bytes');
  return { claims, contentKey };
}

async function verifiedClaims(jws: string, source: string): Promise<HeaderClaims> {
  let payload: Uint8Array;
  try {
    const verified = await compactVerify(jws, EmbeddedJWK, { algorithms: ['ES256', 'EdDSA'] });
    if (verified.protectedHeader.typ !== HEADER_TYPE) throw new Error(`typ is not ${HEADER_TYPE}`);
    const jwk = PublicJwk.parse(verified.protectedHeader.jwk);
    if ((await thumbprint(jwk)) !== source) throw new Error('it is signed by another key than the source');
    payload = verified.payload;
  } catch (err) {
    throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `the header's signature does not verify: ${(err as Error).message}`);
  }
  const parsed = HeaderClaims.safeParse(safeJson(Buffer.from(payload).toString('utf8')));
  if (!parsed.success) throw new EncryptionError('ENCRYPTED_HEADER_INVALID', `the header's claims are malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
