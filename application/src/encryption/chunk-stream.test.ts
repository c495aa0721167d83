import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ChunkOpener, ChunkSealer, TAG_BYTES } from './chunk-stream';
import { EncryptionError } from './errors';

/** Seals `plaintext` fed in the given slice sizes; answers the sealed chunks. */
function seal(key: Buffer, plaintext: Buffer, chunkBytes: number, feeds: readonly number[] = [plaintext.length]): Buffer[] {
  const sealer = new ChunkSealer(key, chunkBytes);
  const out: Buffer[] = [];
  let at = 0;
  for (const n of feeds) {
    out.push(...sealer.update(plaintext.subarray(at, at + n)));
    at += n;
  }
  out.push(...sealer.update(plaintext.subarray(at)), sealer.final());
  return out;
}

function open(key: Buffer, sealed: Buffer, chunkBytes: number, feed = sealed.length): Buffer {
  const opener = new ChunkOpener(key, chunkBytes);
  const out: Buffer[] = [];
  for (let at = 0; at < sealed.length; at += Math.max(1, feed)) out.push(...opener.update(sealed.subarray(at, at + Math.max(1, feed))));
  out.push(opener.final());
  return Buffer.concat(out);
}

const rejected = (fn: () => unknown): void => {
  assert.throws(fn, (err: unknown) => err instanceof EncryptionError && err.code === 'ENCRYPTED_CONTENT_INVALID');
};

describe('encrypted chunk stream (AES-256-GCM STREAM)', () => {
  const key = randomBytes(32);

  it('round-trips any size, chunk size and feeding pattern (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 200 }),
        (bytes, chunkBytes, feeds, readSize) => {
          const plaintext = Buffer.from(bytes);
          const chunks = seal(key, plaintext, chunkBytes, feeds);
          // Every chunk is full but the last, which holds 1..chunkBytes bytes (0 only for an empty input).
          const expected = Math.max(1, Math.ceil(plaintext.length / chunkBytes));
          assert.equal(chunks.length, expected);
          for (const c of chunks.slice(0, -1)) assert.equal(c.length, chunkBytes + TAG_BYTES);
          assert.deepEqual(open(key, Buffer.concat(chunks), chunkBytes, readSize), plaintext);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('detects a flipped bit anywhere, and a stream cut anywhere (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (bytes, chunkBytes, flip, cut) => {
        const sealed = Buffer.concat(seal(key, Buffer.from(bytes), chunkBytes));
        const tampered = Buffer.from(sealed);
        const at = flip % tampered.length;
        tampered[at] = (tampered[at] ?? 0) ^ (1 << (flip % 8));
        rejected(() => open(key, tampered, chunkBytes));
        rejected(() => open(key, sealed.subarray(0, cut % sealed.length), chunkBytes));
      }),
      { numRuns: 300 },
    );
  });

  it('detects a truncation exactly at a chunk boundary (the last chunk is marked)', () => {
    const chunks = seal(key, randomBytes(100), 10);
    assert.equal(chunks.length, 10);
    rejected(() => open(key, Buffer.concat(chunks.slice(0, 5)), 10));
    rejected(() => open(key, Buffer.concat(chunks.slice(0, 9)), 10));
  });

  it('detects reordered, duplicated and dropped chunks', () => {
    const chunks = seal(key, randomBytes(50), 10);
    const [a, b, ...rest] = chunks;
    rejected(() => open(key, Buffer.concat([b!, a!, ...rest]), 10));
    rejected(() => open(key, Buffer.concat([a!, a!, b!, ...rest]), 10));
    rejected(() => open(key, Buffer.concat([a!, ...rest]), 10));
  });

  it('detects an empty last chunk appended after the data, and extra bytes after the last chunk', () => {
    const chunks = seal(key, randomBytes(20), 10);
    const emptyLast = new ChunkSealer(key, 10).final();
    rejected(() => open(key, Buffer.concat([...chunks, emptyLast]), 10));
    rejected(() => open(key, Buffer.concat([...chunks, Buffer.from([0])]), 10));
  });

  it('refuses another key and another chunk size', () => {
    const sealed = Buffer.concat(seal(key, randomBytes(64), 16));
    rejected(() => open(randomBytes(32), sealed, 16));
    rejected(() => open(key, sealed, 32));
  });

  it('an empty instance is one empty last chunk', () => {
    const chunks = seal(key, Buffer.alloc(0), 16);
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]?.length, TAG_BYTES);
    assert.equal(open(key, chunks[0], 16).length, 0);
  });

  it('refuses chunk sizes outside [1, 1 MiB] with a coded error', () => {
    for (const bad of [0, -1, 1.5, 1024 * 1024 + 1]) {
      assert.throws(
        () => new ChunkOpener(key, bad),
        (err: unknown) => err instanceof EncryptionError && err.code === 'ENCRYPTED_HEADER_INVALID',
      );
    }
  });
});
