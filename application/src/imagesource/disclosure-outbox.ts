import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { createStatement } from '@isl/chaincode';
import { LedgerRejection } from '../ledger/errors';
import type { LedgerClient } from '../ledger/ledger-client';
import { writeFileAtomic } from '@isl/platform';
import type { SourceKey } from './source-key';

/** One release of a study, as the accounting of disclosures needs it. */
export interface Disclosure {
  readonly study: string;
  readonly recipient: string;
  /** NumericDate seconds when the release completed. */
  readonly disclosedAt: number;
  readonly size: number;
  readonly requestId: string;
  /** Encrypted end to end to the recipient's key (docs/image-retrieval.md); absent means in plaintext (TLS only). */
  readonly encrypted?: boolean;
  /** Released under this break-glass lease (the digest of its BreakGlass statement). */
  readonly breakGlass?: string;
}

const entrySchema = z.strictObject({
  study: z.string(),
  recipient: z.string(),
  disclosedAt: z.number().int(),
  size: z.number().int().min(0),
  requestId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  encrypted: z.boolean().optional(),
  breakGlass: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  attempts: z.number().int().min(0),
  /** The statement of the last attempt: sent again while valid, so an attempt whose outcome is unknown is never doubled. */
  statement: z.string().optional(),
});

/** A statement is reused while it has at least this long to live (it must still be valid when ordered). */
const REUSE_MARGIN_S = 60;

export interface OutboxOptions {
  readonly dir: string;
  readonly ledger: LedgerClient;
  readonly key: SourceKey;
  readonly audience: string;
  readonly log?: (message: string) => void;
}

/**
 * Durable accounting of disclosures (HIPAA 45 CFR 164.528): each release is
 * written to disk (fsynced) before the response completes, then recorded on
 * the ledger as a source-signed RecordDisclosure. Entries that fail stay and
 * are retried; a retry first looks for its request id on the ledger, so an
 * attempt that committed but whose answer was lost is not recorded twice.
 */
export class DisclosureOutbox {
  readonly #options: OutboxOptions;
  #flushing: Promise<number> | undefined;

  constructor(options: OutboxOptions) {
    this.#options = options;
    mkdirSync(join(options.dir, 'rejected'), { recursive: true, mode: 0o700 });
  }

  /** Durably records a release; returns once it is on disk. */
  add(disclosure: Disclosure): void {
    writeFileAtomic(this.#file(disclosure.requestId), JSON.stringify({ ...disclosure, attempts: 0 }));
  }

  pending(): string[] {
    return readdirSync(this.#options.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
  }

  /** Records every pending entry it can; returns how many remain. One flush at a time. */
  flush(): Promise<number> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<number> {
    for (const requestId of this.pending()) {
      try {
        await this.#record(requestId);
      } catch (err) {
        this.#options.log?.(`disclosure ${requestId} not recorded yet (will retry): ${(err as Error).message}`);
      }
    }
    return this.pending().length;
  }

  async #record(requestId: string): Promise<void> {
    const file = this.#file(requestId);
    const entry = entrySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    const { ledger } = this.#options;
    if (entry.attempts > 0 && (await this.#alreadyRecorded(entry))) {
      rmSync(file);
      return;
    }
    const statement = reusable(entry.statement) ?? (await this.#sign(entry));
    writeFileAtomic(file, JSON.stringify({ ...entry, attempts: entry.attempts + 1, statement }));
    try {
      await ledger.submit('RecordDisclosure', [statement]);
    } catch (err) {
      // This very statement took effect in an earlier attempt whose answer was lost.
      if (err instanceof LedgerRejection && err.code === 'STATEMENT_REPLAYED') {
        rmSync(file);
        return;
      }
      if (err instanceof LedgerRejection) {
        // The ledger will never take it (e.g. the study is gone): keep it aside for an operator.
        renameSync(file, join(this.#options.dir, 'rejected', `${requestId}.json`));
        this.#options.log?.(`disclosure ${requestId} rejected by the ledger, kept in outbox/rejected: ${err.message}`);
        return;
      }
      throw err;
    }
    rmSync(file);
  }

  /** A fresh statement: a statement is only valid for 300 s, so one kept past that cannot be sent again. */
  #sign(entry: z.infer<typeof entrySchema>): Promise<string> {
    const { key, audience } = this.#options;
    return createStatement(
      'RecordDisclosure',
      {
        study: entry.study,
        recipient: entry.recipient,
        disclosedAt: entry.disclosedAt,
        size: entry.size,
        requestId: entry.requestId,
        // Only when true: a plaintext release's statement stays what a ledger without this claim accepts.
        ...(entry.encrypted === true ? { encrypted: true } : {}),
        ...(entry.breakGlass === undefined ? {} : { breakGlass: entry.breakGlass }),
      },
      key.privateJwk,
      { audience },
    );
  }

  async #alreadyRecorded(entry: z.infer<typeof entrySchema>): Promise<boolean> {
    const records = await this.#options.ledger.evaluate<{ requestId: string }[]>('ListDisclosures', [this.#options.key.keyId, entry.study]);
    return records.some((r) => r.requestId === entry.requestId);
  }

  #file(requestId: string): string {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(requestId)) {
      throw new Error(`invalid request id ${requestId}`);
    }
    return join(this.#options.dir, `${requestId}.json`);
  }
}

/** The kept statement when it is still valid long enough to be ordered, else undefined. */
function reusable(statement: string | undefined): string | undefined {
  if (statement === undefined) return undefined;
  try {
    const { exp } = decodeJwt(statement);
    return exp !== undefined && exp > Math.floor(Date.now() / 1000) + REUSE_MARGIN_S ? statement : undefined;
  } catch {
    return undefined;
  }
}
