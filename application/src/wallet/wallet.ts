import { randomBytes } from 'node:crypto';
import { z } from 'zod';

import { deriveSigningKey, MASTER_SECRET_LENGTH, type DerivationPath, type KeyRole } from './derivation';
import { WalletError } from './errors';
import { KeyIndex, keyIndexSchema, type KeyRecord } from './key-index';
import { decodeRecoveryCode, encodeRecoveryCode } from './recovery-code';
import { SealKey, type ScryptParams } from './seal';
import type { SigningAlgorithm, SigningKey } from './signing-key';
import type { WalletStore } from './wallet-store';

export interface WalletOptions {
  /** scrypt cost for a new wallet or passphrase; defaults to DEFAULT_SCRYPT_PARAMS. */
  readonly scrypt?: ScryptParams;
  /** Clock for KeyRecord.createdAt. */
  readonly now?: () => Date;
}

/** What the encrypted part of the wallet file holds. */
const contentsSchema = z.strictObject({
  masterSecret: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  index: keyIndexSchema,
});

/**
 * A patient's or recipient's wallet: one master secret from which every key
 * is derived, plus an index of the keys used so far.
 *
 * Every call that changes the index saves the file before returning, so a
 * key is never handed out (and published on the ledger) without the wallet
 * remembering it.
 */
export class Wallet {
  readonly #store: WalletStore;
  readonly #secret: Buffer;
  readonly #index: KeyIndex;
  readonly #now: () => Date;
  #sealKey: SealKey;
  #closed = false;

  private constructor(store: WalletStore, secret: Buffer, index: KeyIndex, sealKey: SealKey, options: WalletOptions) {
    this.#store = store;
    this.#secret = secret;
    this.#index = index;
    this.#sealKey = sealKey;
    this.#now = options.now ?? (() => new Date());
  }

  /** A new wallet with a random master secret, written to the store. Refuses to overwrite. */
  static async create(store: WalletStore, passphrase: string, options: WalletOptions = {}): Promise<Wallet> {
    return Wallet.#createWith(store, randomBytes(MASTER_SECRET_LENGTH), passphrase, options);
  }

  /**
   * Rebuild a wallet from a recovery code into a new wallet file. The key
   * index is not in the code, so it starts empty; keys re-derive on demand.
   */
  static async importRecoveryCode(store: WalletStore, code: string, passphrase: string, options: WalletOptions = {}): Promise<Wallet> {
    return Wallet.#createWith(store, Buffer.from(decodeRecoveryCode(code)), passphrase, options);
  }

  static async #createWith(store: WalletStore, secret: Buffer, passphrase: string, options: WalletOptions): Promise<Wallet> {
    if (await store.exists()) {
      throw new WalletError('WALLET_EXISTS', `A wallet already exists at ${store.path}`);
    }
    const sealKey = await SealKey.create(passphrase, options.scrypt);
    const wallet = new Wallet(store, secret, new KeyIndex(), sealKey, options);
    await store.create(wallet.#seal());
    return wallet;
  }

  static async open(store: WalletStore, passphrase: string, options: WalletOptions = {}): Promise<Wallet> {
    const { plaintext, key } = await SealKey.unseal(await store.read(), passphrase);
    let secret: Buffer;
    let index: KeyIndex;
    try {
      const contents = contentsSchema.parse(JSON.parse(plaintext.toString('utf8')));
      secret = Buffer.from(contents.masterSecret, 'base64url');
      index = new KeyIndex(contents.index);
    } catch (err) {
      // Authenticated but unreadable: written by a buggy or foreign writer.
      throw new WalletError('CORRUPT_WALLET', 'Wallet contents are malformed', { cause: err });
    } finally {
      plaintext.fill(0);
    }
    return new Wallet(store, secret, index, key, options);
  }

  get path(): string {
    return this.#store.path;
  }

  /** Every key derived so far, with its derivation path and study binding. */
  get labels(): readonly KeyRecord[] {
    this.#assertOpen();
    return this.#index.records;
  }

  /** Write the wallet (already done by every mutating call; useful after a failed save). */
  async save(): Promise<void> {
    this.#assertOpen();
    await this.#store.write(this.#seal());
  }

  /** Re-encrypt under a new passphrase (fresh salt). */
  async changePassphrase(passphrase: string, scrypt?: ScryptParams): Promise<void> {
    this.#assertOpen();
    this.#sealKey = await SealKey.create(passphrase, scrypt ?? this.#sealKey.params);
    await this.save();
  }

  /**
   * Reserve a fresh context label ("study-<n>") for a role and save, before
   * any key for it is published: a crash can skip a number, never reuse one.
   */
  async newStudyContext(role: KeyRole): Promise<string> {
    this.#assertOpen();
    const context = this.#index.allocateStudyContext(role);
    await this.save();
    return context;
  }

  /** The signing key for one study, identified by a local context label. */
  async deriveKey(role: KeyRole, context: string, alg: SigningAlgorithm = 'ES256'): Promise<SigningKey> {
    return this.#derive({ role, purpose: 'study', context, alg });
  }

  /**
   * The recovery key for the same context. Per context, not per wallet:
   * one recovery key shared by all studies would link them on the ledger.
   */
  async recoveryKey(context: string, alg: SigningAlgorithm = 'ES256', role: KeyRole = 'patient'): Promise<SigningKey> {
    return this.#derive({ role, purpose: 'recovery', context, alg });
  }

  /** Re-derive a key the wallet has used, by its thumbprint. */
  async keyById(keyId: string): Promise<SigningKey> {
    this.#assertOpen();
    const record = this.#index.byKeyId(keyId);
    if (!record) {
      throw new WalletError('UNKNOWN_KEY', `This wallet has not used key ${keyId}`);
    }
    return deriveSigningKey(this.#secret, record);
  }

  /** Record the study reference the ledger assigned to a context's keys. */
  async bindStudy(role: KeyRole, context: string, studyRef: string): Promise<void> {
    this.#assertOpen();
    if (this.#index.bindStudy(role, context, studyRef)) {
      await this.save();
    }
  }

  /** The master secret as a checksummed code for an offline backup. */
  exportRecoveryCode(): string {
    this.#assertOpen();
    return encodeRecoveryCode(this.#secret);
  }

  /** Wipe the master secret from memory; the wallet is unusable afterwards. */
  close(): void {
    this.#secret.fill(0);
    this.#closed = true;
  }

  async #derive(path: DerivationPath): Promise<SigningKey> {
    this.#assertOpen();
    const key = await deriveSigningKey(this.#secret, path);
    if (this.#index.add(path, key.keyId, this.#now())) {
      await this.save();
    }
    return key;
  }

  #seal(): string {
    const contents = { masterSecret: this.#secret.toString('base64url'), index: this.#index.toJSON() };
    const plaintext = Buffer.from(JSON.stringify(contents), 'utf8');
    try {
      return this.#sealKey.seal(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new WalletError('WALLET_CLOSED', 'Wallet is closed');
    }
  }
}
