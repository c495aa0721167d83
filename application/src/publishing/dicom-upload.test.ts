import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { emptyPrivateElements, encodingOf, EXPLICIT_LE, instance } from '../testing/dicom-builder';
import { MultipartWriter, multipartBody } from '../wire/multipart-writer';
import { spoolDicomUpload, UploadError, type UploadErrorCode } from './dicom-upload';

const UIDS = { study: '1.2.826.0.9.1', series: '1.2.826.0.9.2', sop: '1.2.826.0.9.3' };

const LIMITS = { maxBytes: 1 << 20, maxInstances: 10 };

function stow(bodies: readonly Uint8Array[], boundary = 'stow-b', partType = 'application/dicom'): Buffer {
  return multipartBody(
    new MultipartWriter(boundary),
    bodies.map((b) => ({ headers: { 'Content-Type': partType }, body: Buffer.from(b) })),
  );
}

/** The body delivered in chunks of `step` bytes, as a socket would. */
const chunked = (wire: Buffer, step: number): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < wire.length; i += step) yield wire.subarray(i, i + step);
    })(),
  );

describe('DICOM upload spooling (STOW-RS body to files)', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'isl-upload-'));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const refusal = async (promise: Promise<unknown>): Promise<UploadErrorCode> => {
    try {
      await promise;
    } catch (err) {
      if (err instanceof UploadError) return err.code;
      throw err;
    }
    assert.fail('the upload was accepted');
  };

  it('writes each application/dicom part to its own file, byte for byte, at any chunking', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (bodies, step) => {
          const dir = join(work, String(run++));
          const got = await spoolDicomUpload(chunked(stow(bodies), step), 'multipart/related; type="application/dicom"; boundary=stow-b', dir, LIMITS);
          assert.equal(got.instances, bodies.length);
          const files = readdirSync(dir).sort();
          assert.deepEqual(
            files.map((f) => readFileSync(join(dir, f)).toString('hex')),
            bodies.map((b) => Buffer.from(b).toString('hex')),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('takes a single application/dicom body as one instance', async () => {
    const got = await spoolDicomUpload(chunked(Buffer.from('DICM-bytes'), 3), 'application/dicom', join(work, 'one'), LIMITS);
    assert.deepEqual(got, { instances: 1, bytes: 10 });
    assert.equal(readFileSync(join(work, 'one', readdirSync(join(work, 'one'))[0] ?? '')).toString(), 'DICM-bytes');
  });

  it('refuses other media types, parts that are not DICOM, bad MIME, empty and oversized uploads', async () => {
    const body = stow([Buffer.from('x')]);
    const type = 'multipart/related; type="application/dicom"; boundary=stow-b';
    assert.equal(await refusal(spoolDicomUpload(chunked(body, 64), 'application/json', join(work, 'a'), LIMITS)), 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(await refusal(spoolDicomUpload(chunked(body, 64), undefined, join(work, 'b'), LIMITS)), 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(
      await refusal(spoolDicomUpload(chunked(body, 64), 'multipart/related; type="application/pdf"; boundary=stow-b', join(work, 'c'), LIMITS)),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal(
      await refusal(spoolDicomUpload(chunked(body, 64), 'multipart/related; type="application/dicom"', join(work, 'd'), LIMITS)),
      'MALFORMED_MULTIPART',
    );
    assert.equal(
      await refusal(spoolDicomUpload(chunked(stow([Buffer.from('x')], 'stow-b', 'text/plain'), 64), type, join(work, 'e'), LIMITS)),
      'PART_NOT_DICOM',
    );
    assert.equal(await refusal(spoolDicomUpload(chunked(body.subarray(0, body.length - 10), 64), type, join(work, 'f'), LIMITS)), 'MALFORMED_MULTIPART');
    assert.equal(await refusal(spoolDicomUpload(chunked(stow([]), 64), type, join(work, 'g'), LIMITS)), 'UPLOAD_EMPTY');
    assert.equal(await refusal(spoolDicomUpload(chunked(Buffer.alloc(0), 64), 'application/dicom', join(work, 'h'), LIMITS)), 'UPLOAD_EMPTY');
    assert.equal(
      await refusal(spoolDicomUpload(chunked(stow([Buffer.alloc(2000)]), 256), type, join(work, 'i'), { maxBytes: 1000, maxInstances: 10 })),
      'UPLOAD_TOO_LARGE',
    );
    assert.equal(
      await refusal(
        spoolDicomUpload(chunked(stow([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]), 64), type, join(work, 'j'), { maxBytes: 1000, maxInstances: 2 }),
      ),
      'TOO_MANY_INSTANCES',
    );
  });

  it('refuses a generated hostile instance (500,000 empty private elements, 4 MB) with DICOM_TOO_COMPLEX, in either body form', async () => {
    const hostile = instance(EXPLICIT_LE, UIDS, emptyPrivateElements(encodingOf(EXPLICIT_LE), 500_000));
    const fine = instance(EXPLICIT_LE, UIDS);
    const type = 'multipart/related; type="application/dicom"; boundary=stow-b';
    const limits = { maxBytes: 64 << 20, maxInstances: 10 };
    assert.equal(await refusal(spoolDicomUpload(chunked(stow([fine, hostile]), 64 * 1024), type, join(work, 'k'), limits)), 'DICOM_TOO_COMPLEX');
    assert.equal(await refusal(spoolDicomUpload(chunked(hostile, 64 * 1024), 'application/dicom', join(work, 'l'), limits)), 'DICOM_TOO_COMPLEX');
    assert.equal((await spoolDicomUpload(chunked(stow([fine, fine]), 100), type, join(work, 'm'), limits)).instances, 2);
  });
});
