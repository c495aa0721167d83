export { WalletError, isWalletError, type WalletErrorCode } from './errors';
export { SIGNING_ALGORITHMS, privateJwkOf, type SigningAlgorithm, type SigningKey } from './signing-key';
export {
  KEY_PURPOSES,
  KEY_ROLES,
  MASTER_SECRET_LENGTH,
  assertValidContext,
  deriveSigningKey,
  derivationInfo,
  type DerivationPath,
  type KeyPurpose,
  type KeyRole,
} from './derivation';
export { decodeRecoveryCode, encodeRecoveryCode } from './recovery-code';
export { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './seal';
export { KeyIndex, type KeyRecord } from './key-index';
export { WalletStore, defaultWalletPath, type WalletStoreOptions } from './wallet-store';
export { Wallet, type WalletOptions } from './wallet';
