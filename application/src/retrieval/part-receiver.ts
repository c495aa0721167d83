import { closeSync, openSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { JWK } from 'jose';
import { newNonce } from '@isl/chaincode';
import { agreementPrivateJwk } from '../encryption/agreement-key';
import { EncryptedRelease } from '../encryption/encrypted-release';
import { EncryptionError } from '../encryption/errors';
import type { ExpectedHeader } from '../encryption/instance-header';
import { ENCRYPTED_MEDIA_TYPE, ENCRYPTION_HEADER, ENCRYPTION_SCHEME } from '../encryption/release-sealer';
import type { RecipientSigningKey } from '../wire/http-signature';
import type { MultipartParser, PartSink } from '../wire/multipart';
import { RetrievalRefused } from './retrieval-refused';

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

/** One signed request of a retrieval: its nonce, the headers it adds (all signed), and how its answer's parts are received. */
export interface PreparedRequest {
  readonly nonce: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Set when the release is asked for encrypted: an encrypted release is bound to this request's nonce. */
  readonly receiver: PartReceiver | undefined;
}

/** What a request needs to know of its retrieval to ask for (and open) an encrypted release. */
export interface EncryptionWish {
  readonly encrypted?: boolean;
  readonly sourceId: string;
  readonly study: string;
  readonly key: RecipientSigningKey;
}

/** A fresh request: plaintext, or asking for ISL-E2E1 with the receiver that opens its answer. */
export function prepareRequest(o: EncryptionWish): PreparedRequest {
  const nonce = newNonce();
  if (o.encrypted !== true) return { nonce, headers: {}, receiver: undefined };
  const expected = { source: o.sourceId, recipient: o.key.keyId, study: o.study, request: nonce };
  return {
    nonce,
    headers: { [ENCRYPTION_HEADER]: ENCRYPTION_SCHEME },
    receiver: encryptedReceiver(expected, o.key.privateKey.export({ format: 'jwk' })),
  };
}

/** Feeds the answer to the parser, letting the receiver decrypt between reads; on failure no file of the release is kept as if good. */
export async function receiveParts(res: IncomingMessage, parser: MultipartParser, receiver: PartReceiver): Promise<void> {
  try {
    for await (const chunk of res) {
      parser.push(chunk as Buffer);
      await receiver.settle();
    }
    parser.end();
    await receiver.finish();
  } catch (err) {
    receiver.discard();
    if (err instanceof EncryptionError) throw new RetrievalRefused(err.code, res.statusCode ?? 0, err.message);
    throw err;
  }
}

/** Writes a part's bytes to a new file (0600), counting them. */
export function fileSink(file: string, count: (n: number) => void): PartSink {
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
