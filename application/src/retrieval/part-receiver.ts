import { closeSync, openSync, writeSync } from 'node:fs';
import type { JWK } from 'jose';
import { agreementPrivateJwk } from '../encryption/agreement-key';
import { EncryptedRelease } from '../encryption/encrypted-release';
import type { ExpectedHeader } from '../encryption/instance-header';
import { ENCRYPTED_MEDIA_TYPE } from '../encryption/release-sealer';
import type { PartSink } from '../wire/multipart';

/**
 * How the parts of an answer become files: plaintext straight to disk, or
 * (encrypted) decrypted and verified as they arrive, each file appearing only
 * once whole. The caller awaits settle() after each push into the multipart
 * parser, and finish() after its end; discard() after any failure.
 */
export interface PartReceiver {
  /** The media type every part must have. */
  readonly partType: string;
  sink(file: string, count: (n: number) => void): PartSink;
  settle(): Promise<void>;
  finish(): Promise<void>;
  discard(): void;
}

export function plaintextReceiver(): PartReceiver {
  return {
    partType: 'application/dicom',
    sink: fileSink,
    settle: () => Promise.resolve(),
    finish: () => Promise.resolve(),
    discard: () => undefined,
  };
}

export function encryptedReceiver(expected: ExpectedHeader, recipientPrivateJwk: JWK): PartReceiver {
  const release = new EncryptedRelease(expected, agreementPrivateJwk(recipientPrivateJwk));
  return {
    partType: ENCRYPTED_MEDIA_TYPE,
    sink: (file, count) => release.sink(file, count),
    settle: () => release.settle(),
    finish: () => release.finish(),
    discard: () => {
      release.discard();
    },
  };
}

function fileSink(file: string, count: (n: number) => void): PartSink {
  const fd = openSync(file, 'w', 0o600);
  return {
    data: (chunk) => {
      writeSync(fd, chunk);
      count(chunk.length);
    },
    end: () => {
      closeSync(fd);
    },
  };
}
