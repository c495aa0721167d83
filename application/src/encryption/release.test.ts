import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { JWK } from 'jose';
import { generateStatementKey, newNonce, newStudyReference, PublicJwk, thumbprint } from '@isl/chaincode';
import { recipientKey } from '../testing/image-source-harness';
import type { RecipientSigningKey } from '../wire/http-signature';
import { agreementPrivateJwk, agreementPublicJwk } from './agreement-key';
import { EncryptedRelease } from './encrypted-release';
import { EncryptionError, type EncryptionErrorCode } from './errors';
import { encryptionRequested, ReleaseSealer } from './release-sealer';

interface Source {
  readonly id: string;
  readonly key: { privateJwk: JWK; alg: 'ES256' | 'EdDSA'; publicJwk: JWK };
}

async function makeSource(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<Source> {
  const { privateJwk } = await generateStatementKey(alg);
  const publicJwk = PublicJwk.parse(
    alg === 'ES256' ? { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y } : { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x },
  );
  return { id: await thumbprint(publicJwk), key: { privateJwk, alg, publicJwk } };
}

/** Seals each instance of a release as the source would; answers one Buffer per instance. */
async function sealRelease(source: Source, recipient: RecipientSigningKey, request: string, study: string, instances: readonly Buffer[], chunkBytes?: number) {
  const sealer = new ReleaseSealer({
    source: source.key,
    recipient: PublicJwk.parse(recipient.publicJwk),
    recipientId: recipient.keyId,
    request,
    ...(chunkBytes === undefined ? {} : { chunkBytes }),
  });
  const out: Buffer[] = [];
  for (const [index, bytes] of instances.entries()) {
    const parts: Buffer[] = [];
    const size = await sealer.seal(Readable.from([bytes]), (b) => Promise.resolve(void parts.push(b)), { study, index, count: instances.length });
    assert.equal(size, bytes.length);
    out.push(Buffer.concat(parts));
  }
  return out;
}

/** Feeds encrypted instances to the recipient's side in reads of `read` bytes; answers the files. */
async function openRelease(
  dir: string,
  expected: { source: string; recipient: RecipientSigningKey; study: string; request: string },
  sealed: readonly Buffer[],
  read = 977,
) {
  const release = new EncryptedRelease(
    { source: expected.source, recipient: expected.recipient.keyId, study: expected.study, request: expected.request },
    agreementPrivateJwk(expected.recipient.privateKey.export({ format: 'jwk' })),
  );
  const files: string[] = [];
  try {
    for (const bytes of sealed) {
      const file = join(dir, `instance-${String(files.length + 1)}.dcm`);
      files.push(file);
      const sink = release.sink(file, () => undefined);
      for (let at = 0; at < bytes.length; at += read) {
        sink.data(bytes.subarray(at, at + read));
        await release.settle();
      }
      sink.end();
      await release.settle();
    }
    await release.finish();
  } catch (err) {
    release.discard();
    throw err;
  }
  return files;
}

const fails = async (promise: Promise<unknown>, code: EncryptionErrorCode): Promise<void> => {
  await assert.rejects(promise, (err: unknown) => err instanceof EncryptionError && err.code === code);
};

describe('encrypted release (ISL-E2E1: signed header, wrapped content key, chunks)', () => {
  let dir: string;
  let source: Source;
  const study = newStudyReference();
  const instances = [randomBytes(200_000), randomBytes(1), Buffer.alloc(0), randomBytes(65_536)];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-e2e-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  before(async () => {
    source = await makeSource();
  });

  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`an ${alg} recipient decrypts every instance to the exact bytes, read in any split`, async () => {
      const recipient = await recipientKey(alg);
      const request = newNonce();
      const sealed = await sealRelease(source, recipient, request, study, instances);
      for (const read of [1_000_000, 977, 13]) {
        const out = mkdtempSync(join(dir, 'out-'));
        const files = await openRelease(out, { source: source.id, recipient, study, request }, sealed, read);
        assert.deepEqual(
          files.map((f) => readFileSync(f)),
          instances,
        );
        assert.deepEqual(
          readdirSync(out).filter((f) => f.endsWith('.partial')),
          [],
        );
      }
    });
  }

  it('every instance has its own content key: equal instances encrypt differently', async () => {
    const recipient = await recipientKey();
    const same = randomBytes(1000);
    const [a, b] = await sealRelease(source, recipient, newNonce(), study, [same, same]);
    assert.notDeepEqual(a, b);
  });

  it('refuses another recipient key (the content key cannot be unwrapped) and leaves no file', async () => {
    const recipient = await recipientKey('EdDSA');
    const other = await recipientKey('EdDSA');
    const request = newNonce();
    const sealed = await sealRelease(source, recipient, request, study, instances);
    // The other key claims the recipient's id, so only the unwrap can fail.
    await fails(openRelease(dir, { source: source.id, recipient: { ...other, keyId: recipient.keyId }, study, request }, sealed), 'ENCRYPTED_HEADER_INVALID');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses a header for another request, study or recipient, or signed by another source', async () => {
    const recipient = await recipientKey();
    const request = newNonce();
    const sealed = await sealRelease(source, recipient, request, study, instances);
    const expected = { source: source.id, recipient, study, request };
    await fails(openRelease(dir, { ...expected, request: newNonce() }, sealed), 'ENCRYPTED_HEADER_INVALID');
    await fails(openRelease(dir, { ...expected, study: newStudyReference() }, sealed), 'ENCRYPTED_HEADER_INVALID');
    await fails(openRelease(dir, { ...expected, source: (await makeSource()).id }, sealed), 'ENCRYPTED_HEADER_INVALID');
    const impostor = await makeSource('EdDSA');
    const forged = await sealRelease(impostor, recipient, request, study, instances);
    await fails(openRelease(dir, expected, forged), 'ENCRYPTED_HEADER_INVALID');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('detects a tampered header, a tampered, truncated or reordered chunk, and reordered or missing instances; removes every file', async () => {
    const recipient = await recipientKey();
    const request = newNonce();
    const sealed = await sealRelease(source, recipient, request, study, instances, 4096);
    const expected = { source: source.id, recipient, study, request };
    const first = sealed[0]!;
    const headerEnd = 12 + first.readUInt32BE(8);
    const flip = (at: number): Buffer[] => {
      const copy = Buffer.from(first);
      copy[at] = (copy[at] ?? 0) ^ 1;
      return [copy, ...sealed.slice(1)];
    };
    await fails(openRelease(dir, expected, flip(headerEnd - 5)), 'ENCRYPTED_HEADER_INVALID');
    await fails(openRelease(dir, expected, flip(headerEnd + 5000)), 'ENCRYPTED_CONTENT_INVALID');
    await fails(openRelease(dir, expected, flip(first.length - 1)), 'ENCRYPTED_CONTENT_INVALID');
    await fails(openRelease(dir, expected, [first.subarray(0, first.length - 100), ...sealed.slice(1)]), 'ENCRYPTED_CONTENT_INVALID');
    const chunk = 4096 + 16;
    const swapped = Buffer.concat([
      first.subarray(0, headerEnd),
      first.subarray(headerEnd + chunk, headerEnd + 2 * chunk),
      first.subarray(headerEnd, headerEnd + chunk),
      first.subarray(headerEnd + 2 * chunk),
    ]);
    await fails(openRelease(dir, expected, [swapped, ...sealed.slice(1)]), 'ENCRYPTED_CONTENT_INVALID');
    await fails(openRelease(dir, expected, [sealed[1]!, sealed[0]!, ...sealed.slice(2)]), 'ENCRYPTED_HEADER_INVALID');
    await fails(openRelease(dir, expected, sealed.slice(0, -1)), 'ENCRYPTED_CONTENT_INVALID');
    await fails(openRelease(dir, expected, [first.subarray(0, headerEnd - 1)]), 'ENCRYPTED_HEADER_INVALID');
    await fails(openRelease(dir, expected, [Buffer.from('DICM plain bytes, not encrypted at all')]), 'ENCRYPTED_HEADER_INVALID');
    assert.deepEqual(readdirSync(dir), [], 'nothing partial is left behind as if good');
    assert.equal(existsSync(join(dir, 'instance-1.dcm')), false);
  });

  it('refuses, before anything is sealed, an Ed25519 recipient key of small order (no content key can be wrapped to it)', () => {
    // Order 2 and order 8 points (RFC 8032 encodings): their X25519 twins give a zero shared secret.
    for (const x of [
      '7P____________________________________________8',
      'JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU',
      'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      assert.throws(
        () => agreementPublicJwk({ kty: 'OKP', crv: 'Ed25519', x }),
        (err: unknown) => err instanceof EncryptionError && err.code === 'ENCRYPTION_KEY_UNUSABLE',
        x,
      );
    }
  });

  it('reads the request header: absent is plaintext, the scheme is encryption, anything else is ENCRYPTION_UNSUPPORTED', () => {
    assert.equal(encryptionRequested(undefined), false);
    assert.equal(encryptionRequested('isl-e2e-v1'), true);
    assert.equal(encryptionRequested(' ISL-E2E-V1 '), true);
    for (const bad of ['', 'v2', 'isl-e2e-v1, isl-e2e-v1', 'pgp']) {
      assert.throws(
        () => encryptionRequested(bad),
        (err: unknown) => err instanceof EncryptionError && err.code === 'ENCRYPTION_UNSUPPORTED',
      );
    }
  });
});
