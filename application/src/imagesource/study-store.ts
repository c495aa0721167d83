import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';

/** One published (or being published) study: the ledger reference and the PACS's UID. */
export interface StudyMapping {
  readonly reference: string;
  readonly studyInstanceUid: string;
  /** `pending` until DefineStudy committed; only `defined` studies are ever released. */
  readonly state: 'pending' | 'defined';
  readonly createdAt: string;
}

const fileSchema = z.strictObject({
  version: z.literal(1),
  studies: z.array(
    z.strictObject({ reference: z.string(), studyInstanceUid: z.string(), state: z.enum(['pending', 'defined']), createdAt: z.string() }),
  ),
});

/**
 * The source's local table study reference → Study Instance UID (never on
 * the ledger). A small JSON file written atomically; read afresh on each
 * lookup, so the CLI's publishing and the running service share it.
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

  put(mapping: StudyMapping): void {
    const others = this.all().filter((s) => s.reference !== mapping.reference);
    writeFileAtomic(this.#file, JSON.stringify({ version: 1, studies: [...others, mapping] }, null, 2));
  }
}
