import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@isl/platform';

const entrySchema = z.strictObject({ at: z.string().min(1).max(64), xml: z.string().min(1) });
export type AuditEntry = z.infer<typeof entrySchema>;

/** An entry read back for sending: its place in the order, and what to send. */
export interface Queued {
  readonly seq: number;
  readonly entry: AuditEntry;
}

export interface AuditOutboxOptions {
  readonly dir: string;
  /** Entries kept at most; beyond, new ones are dropped (and counted) rather than the disk filled. */
  readonly maxEntries: number;
  readonly log?: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

const NAME = /^(\d{16})\.json$/;
const nameOf = (seq: number): string => `${String(seq).padStart(16, '0')}.json`;

/**
 * Audit messages waiting for the Audit Record Repository, on disk in the
 * order they happened: each is fsynced before `add` returns, so none is lost
 * while the repository is down or the process restarts; they leave only once
 * the repository has taken them (AuditTrail). Bounded: when full, new
 * messages are dropped, counted and logged, and the kept ones stay in order.
 */
export class AuditOutbox {
  readonly #options: AuditOutboxOptions;
  #next: number;
  #size: number;
  #dropped = 0;
  #full = false;

  constructor(options: AuditOutboxOptions) {
    this.#options = options;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const seqs = this.#seqs();
    this.#size = seqs.length;
    this.#next = (seqs.at(-1) ?? 0) + 1;
  }

  /** Durably keeps one message; false when the outbox is full and it was dropped. */
  add(entry: AuditEntry): boolean {
    if (this.#size >= this.#options.maxEntries) {
      this.#dropped++;
      if (!this.#full) {
        this.#full = true;
        this.#options.log?.('error', 'audit outbox full: new audit messages are dropped until the repository takes the kept ones', {
          kept: this.#size,
          max: this.#options.maxEntries,
        });
      }
      return false;
    }
    writeFileAtomic(join(this.#options.dir, nameOf(this.#next)), JSON.stringify(entry));
    this.#next++;
    this.#size++;
    return true;
  }

  /** The oldest entries, in order: at most `limit`, and at most `maxBytes` of XML (at least one). */
  oldest(limit: number, maxBytes: number): Queued[] {
    const out: Queued[] = [];
    let bytes = 0;
    for (const seq of this.#seqs()) {
      if (out.length >= limit) break;
      const entry = this.#read(seq);
      if (entry === undefined) continue;
      bytes += Buffer.byteLength(entry.xml);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push({ seq, entry });
    }
    return out;
  }

  /** Forgets entries the repository took. */
  remove(seqs: readonly number[]): void {
    for (const seq of seqs) {
      rmSync(join(this.#options.dir, nameOf(seq)), { force: true });
    }
    this.#size = this.#seqs().length;
    if (this.#full && this.#size < this.#options.maxEntries) {
      this.#full = false;
      this.#options.log?.('warn', 'audit outbox has room again', { dropped: this.#dropped });
    }
  }

  /** Messages waiting. */
  get size(): number {
    return this.#size;
  }

  /** Messages dropped because the outbox was full, since start. */
  get dropped(): number {
    return this.#dropped;
  }

  #seqs(): number[] {
    return readdirSync(this.#options.dir)
      .map((f) => NAME.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** An unreadable entry (a disk fault, a hand edit) is set aside, not resent forever. */
  #read(seq: number): AuditEntry | undefined {
    const file = join(this.#options.dir, nameOf(seq));
    try {
      return entrySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      renameSync(file, `${file}.unreadable`);
      this.#size--;
      this.#options.log?.('error', 'unreadable audit outbox entry set aside', { file, error: (err as Error).message });
      return undefined;
    }
  }
}
