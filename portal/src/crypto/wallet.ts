import { fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes';
import { deriveKey, derivationInfo, type Alg, type BrowserKey, type Purpose, type Role } from './keys';
import { SealKey, WalletFileError, type ScryptParams } from './wallet-file';

/** One entry of the wallet's key index (docs/wallet.md). */
export interface KeyRecord {
  readonly role: Role;
  readonly purpose: Purpose;
  readonly context: string;
  readonly alg: Alg;
  readonly path: string;
  readonly keyId: string;
  readonly studyRef?: string;
  readonly createdAt: string;
}

interface Contents {
  masterSecret: string;
  index: { nextStudy: Record<Role, number>; keys: KeyRecord[] };
}

/**
 * A patient's or recipient's wallet, open in this tab only: the master secret
 * lives in this object's memory and nowhere else; `text` is the sealed file
 * (safe to store or download: it is encrypted under the passphrase).
 */
export class BrowserWallet {
  readonly #secret: Uint8Array<ArrayBuffer>;
  readonly #contents: Contents;
  readonly #seal: SealKey;
  #text: string;

  private constructor(secret: Uint8Array<ArrayBuffer>, contents: Contents, seal: SealKey, text: string) {
    this.#secret = secret;
    this.#contents = contents;
    this.#seal = seal;
    this.#text = text;
  }

  static async create(passphrase: string, params?: ScryptParams): Promise<BrowserWallet> {
    const secret = randomBytes(32);
    const seal = await SealKey.create(passphrase, params);
    const wallet = new BrowserWallet(secret, { masterSecret: toBase64Url(secret), index: { nextStudy: { patient: 1, recipient: 1 }, keys: [] } }, seal, '');
    await wallet.#save();
    return wallet;
  }

  static async open(text: string, passphrase: string): Promise<BrowserWallet> {
    const { plaintext, key } = await SealKey.unseal(text, passphrase);
    let contents: Contents;
    try {
      contents = JSON.parse(new TextDecoder().decode(plaintext)) as Contents;
      const ok = typeof contents.masterSecret === 'string' && /^[A-Za-z0-9_-]{43}$/.test(contents.masterSecret) && Array.isArray(contents.index.keys);
      if (!ok) throw new Error('malformed');
      for (const r of contents.index.keys) {
        if (derivationInfo(r.role, r.purpose, r.context, r.alg) !== r.path) throw new Error('inconsistent path');
      }
    } catch {
      throw new WalletFileError('CORRUPT_WALLET', 'The wallet contents are malformed.');
    } finally {
      plaintext.fill(0);
    }
    return new BrowserWallet(fromBase64Url(contents.masterSecret), contents, key, text);
  }

  /** The sealed wallet file as it stands now. */
  get text(): string {
    return this.#text;
  }

  get records(): readonly KeyRecord[] {
    return this.#contents.index.keys;
  }

  /** Re-derives a key this wallet has used. */
  async key(record: Pick<KeyRecord, 'role' | 'purpose' | 'context' | 'alg'>): Promise<BrowserKey> {
    return deriveKey(this.#secret, record.role, record.purpose, record.context, record.alg);
  }

  /** A fresh study context for the role ("study-<n>", never handed out before), its key recorded in the index. */
  async newKey(role: Role, alg: Alg = 'ES256'): Promise<BrowserKey> {
    const index = this.#contents.index;
    let context: string;
    do {
      context = `study-${String(index.nextStudy[role]++)}`;
    } while (index.keys.some((r) => r.role === role && r.context === context));
    const key = await deriveKey(this.#secret, role, 'study', context, alg);
    index.keys.push({
      role,
      purpose: 'study',
      context,
      alg,
      path: derivationInfo(role, 'study', context, alg),
      keyId: key.keyId,
      createdAt: new Date().toISOString(),
    });
    await this.#save();
    return key;
  }

  /**
   * A fresh patient context with its study key and recovery key, both recorded
   * (as `isl consent` does), for a study moved into this wallet.
   */
  async newPatientKeys(alg: Alg = 'ES256'): Promise<{ context: string; key: BrowserKey; recovery: BrowserKey }> {
    const key = await this.newKey('patient', alg);
    const context = this.records.find((r) => r.keyId === key.keyId)?.context ?? '';
    const recovery = await deriveKey(this.#secret, 'patient', 'recovery', context, alg);
    this.#contents.index.keys.push({
      role: 'patient',
      purpose: 'recovery',
      context,
      alg,
      path: derivationInfo('patient', 'recovery', context, alg),
      keyId: recovery.keyId,
      createdAt: new Date().toISOString(),
    });
    await this.#save();
    return { context, key, recovery };
  }

  /** Records the study a patient context's keys are for (the CLI's bindStudy). */
  async bindStudy(context: string, studyRef: string): Promise<void> {
    const keys = this.#contents.index.keys;
    if (keys.some((r) => r.studyRef === studyRef && r.context !== context))
      throw new WalletFileError('INVALID_ARGUMENT', 'This wallet already holds that study.');
    this.#contents.index.keys = keys.map((r) => (r.role === 'patient' && r.context === context ? { ...r, studyRef } : r));
    await this.#save();
  }

  async #save(): Promise<void> {
    this.#text = await this.#seal.seal(utf8(JSON.stringify(this.#contents)));
  }

  /** Forget the secret (the tab keeps nothing once this returns). */
  close(): void {
    this.#secret.fill(0);
  }
}
