import { z } from 'zod';

import { derivationInfo, KEY_PURPOSES, KEY_ROLES, type DerivationPath, type KeyRole } from './derivation';
import { WalletError } from './errors';
import { SIGNING_ALGORITHMS } from './signing-key';

/** One key the wallet has derived: where it came from, and which study it ended up on. */
export interface KeyRecord extends DerivationPath {
  /** The HKDF info string, e.g. "isl/v1/patient/study/study-7/ES256". */
  readonly path: string;
  readonly keyId: string;
  /** Set by bindStudy() once the ledger has assigned the study a reference. */
  readonly studyRef?: string;
  readonly createdAt: string;
}

const STUDY_CONTEXT_PREFIX = 'study-';

export const keyIndexSchema = z.strictObject({
  nextStudy: z.strictObject({ patient: z.number().int().min(1), recipient: z.number().int().min(1) }),
  keys: z.array(
    z.strictObject({
      role: z.enum(KEY_ROLES),
      purpose: z.enum(KEY_PURPOSES),
      context: z.string(),
      alg: z.enum(SIGNING_ALGORITHMS),
      path: z.string(),
      keyId: z.string(),
      studyRef: z.string().optional(),
      createdAt: z.string(),
    }),
  ),
});

export type KeyIndexData = z.infer<typeof keyIndexSchema>;

/**
 * The wallet's memory of which derivation paths it has used. Holds no secret,
 * but it links a patient's studies together, so it lives inside the
 * encrypted part of the wallet file.
 */
export class KeyIndex {
  readonly #records = new Map<string, KeyRecord>();
  readonly #nextStudy: Record<KeyRole, number>;

  constructor(data?: KeyIndexData) {
    this.#nextStudy = { patient: data?.nextStudy.patient ?? 1, recipient: data?.nextStudy.recipient ?? 1 };
    for (const record of data?.keys ?? []) {
      // A path that does not match its parts would make keyById() re-derive a different key.
      if (derivationInfo(record) !== record.path) {
        throw new WalletError('CORRUPT_WALLET', `Key index entry has an inconsistent path: ${record.path}`);
      }
      this.#records.set(record.path, Object.freeze({ ...record }));
    }
  }

  get records(): readonly KeyRecord[] {
    return [...this.#records.values()];
  }

  get(path: DerivationPath): KeyRecord | undefined {
    return this.#records.get(derivationInfo(path));
  }

  /** Returns true if the path was new. */
  add(path: DerivationPath, keyId: string, createdAt: Date): boolean {
    const info = derivationInfo(path);
    if (this.#records.has(info)) {
      return false;
    }
    const { role, purpose, context, alg } = path;
    this.#records.set(info, Object.freeze({ role, purpose, context, alg, path: info, keyId, createdAt: createdAt.toISOString() }));
    return true;
  }

  byKeyId(keyId: string): KeyRecord | undefined {
    return this.records.find((record) => record.keyId === keyId);
  }

  /**
   * A context label never handed out before for this role. A counter rather
   * than a random nonce so that a wallet rebuilt from its recovery code
   * alone can re-derive study-1, study-2, ... and find its studies again.
   */
  allocateStudyContext(role: KeyRole): string {
    for (;;) {
      const context = `${STUDY_CONTEXT_PREFIX}${this.#nextStudy[role]++}`;
      if (!this.records.some((record) => record.role === role && record.context === context)) {
        return context;
      }
    }
  }

  /** Returns true if anything changed. */
  bindStudy(role: KeyRole, context: string, studyRef: string): boolean {
    const matches = this.records.filter((record) => record.role === role && record.context === context);
    if (matches.length === 0) {
      throw new WalletError('UNKNOWN_KEY', `No ${role} key has been derived for context ${JSON.stringify(context)}`);
    }
    const conflict = this.records.find(
      (record) =>
        (record.studyRef === studyRef && (record.role !== role || record.context !== context)) ||
        (matches.includes(record) && record.studyRef !== undefined && record.studyRef !== studyRef),
    );
    if (conflict) {
      // Two studies on one context would mean one key across studies: the thing this wallet exists to prevent.
      throw new WalletError(
        'INVALID_ARGUMENT',
        `Study ${JSON.stringify(studyRef)} conflicts with ${conflict.path} (bound to ${JSON.stringify(conflict.studyRef)})`,
      );
    }
    let changed = false;
    for (const record of matches) {
      if (record.studyRef !== studyRef) {
        this.#records.set(record.path, Object.freeze({ ...record, studyRef }));
        changed = true;
      }
    }
    return changed;
  }

  toJSON(): KeyIndexData {
    return {
      nextStudy: { ...this.#nextStudy },
      keys: this.records.map((record) => ({ ...record })),
    };
  }
}
