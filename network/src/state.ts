import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@isl/platform';
import { z } from 'zod';

const stateSchema = z.object({
  /** Enrolment secrets of every CA identity (the folder is git-ignored and mode 0700). */
  secrets: z.record(z.string(), z.string()),
  /** Phases of the first start that are done; a warm start skips them. */
  done: z.array(z.enum(['crypto', 'channel', 'chaincode'])),
  packageIds: z.record(z.string(), z.string()),
});

export type Phase = z.infer<typeof stateSchema>['done'][number];

/** What a network remembers between starts, in its run folder's state.json. */
export class NetworkState {
  readonly #file: string;
  readonly #data: z.infer<typeof stateSchema>;

  private constructor(file: string, data: z.infer<typeof stateSchema>) {
    this.#file = file;
    this.#data = data;
  }

  static load(file: string): NetworkState {
    if (!existsSync(file)) {
      return new NetworkState(file, { secrets: {}, done: [], packageIds: {} });
    }
    return new NetworkState(file, stateSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
  }

  secret(id: string): string {
    const existing = this.#data.secrets[id];
    if (existing !== undefined) {
      return existing;
    }
    const fresh = randomBytes(18).toString('base64url');
    this.#data.secrets[id] = fresh;
    this.save();
    return fresh;
  }

  isDone(phase: Phase): boolean {
    return this.#data.done.includes(phase);
  }

  markDone(phase: Phase): void {
    if (!this.isDone(phase)) {
      this.#data.done.push(phase);
      this.save();
    }
  }

  get packageIds(): Map<string, string> {
    return new Map(Object.entries(this.#data.packageIds));
  }

  setPackageIds(ids: ReadonlyMap<string, string>): void {
    this.#data.packageIds = Object.fromEntries(ids);
    this.save();
  }

  save(): void {
    writeFileAtomic(this.#file, JSON.stringify(this.#data, null, 2));
  }
}
