import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CodedError } from '@isl/platform';
import { DicomFileError, scanInstanceIdentifiers } from '../pacs/dicom-file';
import { parseMediaType, type MediaType } from '../wire/media-type';
import { MultipartError, MultipartParser, type PartSink } from '../wire/multipart';

export type UploadErrorCode =
  'UNSUPPORTED_MEDIA_TYPE' | 'MALFORMED_MULTIPART' | 'PART_NOT_DICOM' | 'UPLOAD_TOO_LARGE' | 'TOO_MANY_INSTANCES' | 'UPLOAD_EMPTY' | 'DICOM_TOO_COMPLEX';

/** The upload is not a body of DICOM instances this service takes. */
export class UploadError extends CodedError<UploadErrorCode> {}

export interface UploadLimits {
  /** Largest body, in bytes. */
  readonly maxBytes: number;
  readonly maxInstances: number;
}

/**
 * Each instance's first bytes are checked as they arrive: a header that
 * costs more than the reader's bounds (DICOM_READ_LIMITS: 50,000 elements,
 * 8 bytes each at least) shows within this prefix.
 */
const HEADER_CHECK_BYTES = 8 * 1024 * 1024;

/** What an upload request carries: STOW-RS's multipart/related of application/dicom parts, or one application/dicom instance. */
export const UPLOAD_MEDIA_TYPES = ['multipart/related', 'application/dicom'] as const;

/**
 * Writes the DICOM instances of an upload body into `dir`, one file per
 * instance, as the bytes arrive (bounded memory, whatever the study's size).
 * The body is either DICOMweb STOW-RS's `multipart/related;
 * type="application/dicom"` (PS3.18 §10.5) or a single `application/dicom`
 * instance. Throws UploadError for anything else; the caller removes `dir`.
 */
export async function spoolDicomUpload(
  body: Readable,
  contentType: string | undefined,
  dir: string,
  limits: UploadLimits,
): Promise<{ readonly instances: number; readonly bytes: number }> {
  const media = parseMediaType(contentType);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let bytes = 0;
  let instances = 0;
  let current: number | undefined;
  const open = (): PartSink => {
    instances++;
    if (instances > limits.maxInstances) {
      throw new UploadError('TOO_MANY_INSTANCES', `more than ${String(limits.maxInstances)} instances in one upload`);
    }
    const fd = openSync(join(dir, `${String(instances).padStart(6, '0')}.dcm`), 'wx', 0o600);
    current = fd;
    const head: Buffer[] = [];
    let headBytes = 0;
    let partBytes = 0;
    return {
      data: (chunk) => {
        writeSync(fd, chunk);
        partBytes += chunk.length;
        if (headBytes < HEADER_CHECK_BYTES) {
          const take = chunk.subarray(0, HEADER_CHECK_BYTES - headBytes);
          head.push(Buffer.from(take));
          headBytes += take.length;
        }
      },
      end: () => {
        current = undefined;
        closeSync(fd);
        checkHeaderCost(Buffer.concat(head), partBytes === headBytes, instances);
      },
    };
  };

  const writer = uploadWriter(media, open, () => instances);

  try {
    for await (const chunk of body) {
      bytes += (chunk as Buffer).length;
      if (bytes > limits.maxBytes) {
        throw new UploadError('UPLOAD_TOO_LARGE', `the upload is larger than ${String(limits.maxBytes)} bytes`);
      }
      writer.push(chunk as Buffer);
    }
    writer.finish();
  } catch (err) {
    // The rest of the body is left unread: the caller answers and closes the connection.
    if (current !== undefined) closeSync(current);
    if (err instanceof MultipartError) throw new UploadError('MALFORMED_MULTIPART', err.message);
    throw err;
  }
  if (instances === 0 || bytes === 0) {
    throw new UploadError('UPLOAD_EMPTY', 'the upload holds no DICOM instances');
  }
  return { instances, bytes };
}

interface UploadWriter {
  push(chunk: Buffer): void;
  finish(): void;
}

/**
 * How the body becomes instance files: one `application/dicom` instance, or
 * the parts of a STOW-RS `multipart/related; type="application/dicom"`.
 */
function uploadWriter(media: MediaType | undefined, open: () => PartSink, opened: () => number): UploadWriter {
  if (media?.type === 'application/dicom') {
    const sink = open();
    return {
      push: (chunk) => {
        sink.data(chunk);
      },
      finish: () => {
        sink.end();
      },
    };
  }
  if (media?.type !== 'multipart/related') {
    throw new UploadError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send multipart/related; type="application/dicom" (DICOMweb STOW-RS) or a single application/dicom instance',
    );
  }
  const partType = media.params.get('type')?.toLowerCase();
  if (partType !== undefined && partType !== 'application/dicom') {
    throw new UploadError('UNSUPPORTED_MEDIA_TYPE', `multipart/related parts must be application/dicom, not ${partType}`);
  }
  const boundary = media.params.get('boundary');
  if (boundary === undefined) {
    throw new UploadError('MALFORMED_MULTIPART', 'multipart/related without a boundary parameter');
  }
  let parser: MultipartParser;
  try {
    parser = new MultipartParser(boundary, (headers) => {
      const type = parseMediaType(headers.get('content-type') ?? 'application/dicom')?.type;
      if (type !== 'application/dicom') {
        throw new UploadError('PART_NOT_DICOM', `part ${String(opened() + 1)} is ${headers.get('content-type') ?? '?'}, not application/dicom`);
      }
      return open();
    });
  } catch (err) {
    if (err instanceof MultipartError) throw new UploadError('MALFORMED_MULTIPART', err.message);
    throw err;
  }
  return {
    push: (chunk) => {
      parser.push(chunk);
    },
    finish: () => {
      parser.end();
    },
  };
}

/**
 * Refuses an instance whose header is too costly to read (DICOM_TOO_COMPLEX)
 * before anything parses it in full. Other faults (not DICOM, no UIDs) are
 * left to the publisher, which reads every file and names them (NOT_DICOM).
 */
function checkHeaderCost(head: Buffer, complete: boolean, instance: number): void {
  try {
    scanInstanceIdentifiers(head, complete);
  } catch (err) {
    if (err instanceof DicomFileError && err.code === 'DICOM_TOO_COMPLEX') {
      throw new UploadError('DICOM_TOO_COMPLEX', `instance ${String(instance)} is refused: ${err.message}`, { cause: err });
    }
    if (!(err instanceof DicomFileError)) throw err;
  }
}
