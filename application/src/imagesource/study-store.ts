import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '@isl/platform';
import { withFileLock } from './file-lock';

/** One published (or being published) study: the ledger reference and the PACS's UID. */
export interface StudyMapping {
  readonly reference: string;
  readonly studyInstanceUid: string;
  /** `pending` until DefineStudy committed. */
  readonly state: 'pending' | 'defined';
  readonly createdAt: string;
}

const fileSchema = z.strictObject({
  version: z.literal(1),
  studies: z.array(z.strictObject({ reference: z.string(), studyInstanceUid: z.string(), state: z.enum(['pending', 'defined']), createdAt: z.string() })),
});

/**
 * The source's local table study reference → Study Instance UID (never on
 * the ledger). A small JSON file written atomically; read afresh on each
 * lookup, so the CLI's publishing, the gateway's and the running image
 * source share it. Changes are made under a lock file, so two publishing
 * processes cannot lose each other's mappings or map one study twice.
 */
export class StudyStore {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  all(): StudyMapping[] {
    if (!existsSync(this.#file)) {
      return [];
    }
    return fileSchema.parse(JSON.parse(readFileSync(this.#file, 'utf8'))).studies;
  }

  byReference(reference: string): StudyMapping | undefined {
    return this.all().find((s) => s.reference === reference);
  }

  byUid(studyInstanceUid: string): StudyMapping | undefined {
    return this.all().find((s) => s.studyInstanceUid === studyInstanceUid);
  }

  /** The study's mapping: the one already recorded for its UID, else `fresh` (recorded now). */
  claim(fresh: StudyMapping): Promise<StudyMapping> {
    return this.#change((studies) => {
      const existing = studies.find((s) => s.studyInstanceUid === fresh.studyInstanceUid);
      return existing ? { result: existing } : { result: fresh, studies: [...studies, fresh] };
    });
  }

  /** Adds or replaces the mapping with this reference. */
  put(mapping: StudyMapping): Promise<void> {
    return this.#change((studies) => ({ result: undefined, studies: [...studies.filter((s) => s.reference !== mapping.reference), mapping] }));
  }

  /** Forgets a study still pending; a defined one is kept. Says which it was. */
  withdraw(reference: string): Promise<'withdrawn' | 'defined' | 'absent'> {
    return this.#change((studies) => {
      const found = studies.find((s) => s.reference === reference);
      if (!found) return { result: 'absent' };
      if (found.state === 'defined') return { result: 'defined' };
      return { result: 'withdrawn', studies: studies.filter((s) => s !== found) };
    });
  }

  #change<T>(change: (studies: StudyMapping[]) => { readonly result: T; readonly studies?: StudyMapping[] }): Promise<T> {
    return withFileLock(`${this.#file}.lock`, () => {
      const { result, studies } = change(this.all());
      if (studies) {
        writeFileAtomic(this.#file, JSON.stringify({ version: 1, studies }, null, 2));
      }
      return result;
    });
  }
}
