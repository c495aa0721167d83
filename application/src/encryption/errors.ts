import { CodedError } from '@isl/platform';

/**
 * Why an encrypted release could not be made or opened (docs/image-retrieval.md §"End-to-end encryption").
 * - ENCRYPTION_UNSUPPORTED: the request asks for a scheme this source does not offer.
 * - ENCRYPTION_KEY_UNUSABLE: no content key can be wrapped to the recipient's key.
 * - ENCRYPTED_HEADER_INVALID: an encrypted instance's header is malformed, not signed by the source, or not for this request.
 * - ENCRYPTED_CONTENT_INVALID: a chunk failed authentication: tampered, reordered, truncated, or decrypted with the wrong key.
 */
export type EncryptionErrorCode = 'ENCRYPTION_UNSUPPORTED' | 'ENCRYPTION_KEY_UNUSABLE' | 'ENCRYPTED_HEADER_INVALID' | 'ENCRYPTED_CONTENT_INVALID';

export class EncryptionError extends CodedError<EncryptionErrorCode> {}
