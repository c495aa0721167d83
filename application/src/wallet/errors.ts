import { CodedError } from '@isl/platform';

/**
 * Why a wallet operation failed. The CLI maps codes to exit messages, so codes
 * are part of the public API: add new ones, never rename.
 */
export type WalletErrorCode =
  /** The passphrase does not open this wallet file (or its KDF header was altered). */
  | 'WRONG_PASSPHRASE'
  /** The wallet file is unreadable, malformed, or its ciphertext fails authentication. */
  | 'CORRUPT_WALLET'
  /** The wallet file was written by a newer format version. */
  | 'UNSUPPORTED_VERSION'
  /** No derived key matches the label, key id or study reference asked for. */
  | 'UNKNOWN_KEY'
  /** A context label is empty, too long, or contains characters outside the allowed set. */
  | 'INVALID_CONTEXT'
  /** A recovery code is malformed or its checksum does not match (likely a typo). */
  | 'INVALID_RECOVERY_CODE'
  /** The passphrase or KDF parameters are unacceptable (empty passphrase, weak scrypt cost). */
  | 'INVALID_ARGUMENT'
  /** create() refused to overwrite an existing wallet file. */
  | 'WALLET_EXISTS'
  /** open() found no wallet file at the store's path. */
  | 'WALLET_NOT_FOUND'
  /** The wallet was closed and its secret wiped. */
  | 'WALLET_CLOSED';

export class WalletError extends CodedError<WalletErrorCode> {}

export function isWalletError(err: unknown, code?: WalletErrorCode): err is WalletError {
  return err instanceof WalletError && (code === undefined || err.code === code);
}
