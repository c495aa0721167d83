import { readFileSync } from 'node:fs';
import type { ChaincodeEvent, Checkpointer } from '@hyperledger/fabric-gateway';
import { writeFileAtomic } from '@isl/platform';

export interface EventCheckpointOptions {
  /** The longest a taken event may stay unrecorded on disk (default 1 s). */
  readonly flushIntervalMs?: number;
}

/**
 * The chaincode-event stream's position, kept in memory at once and written to its file at most
 * once per interval (and on close), atomically.
 *
 * fabric-gateway's file checkpointer rewrites its file for every event (open, write, close: three
 * thread-pool round trips), which was several percent of a gateway application's CPU under
 * AllowAccess load, and truncates before it writes, so a crash mid-write leaves a file it cannot
 * read back. Here a reconnect resumes from the in-memory position (nothing repeated) and a crash
 * repeats at most the last interval's events: consumers take an event before it is checkpointed
 * (the audit outbox keeps each alert on disk at once), so delivery stays at least once.
 * The file's format is fabric-gateway's, so a checkpoint written by it is read here.
 */
export class EventCheckpoint implements Checkpointer {
  readonly #file: string;
  readonly #intervalMs: number;
  #blockNumber: bigint | undefined;
  #transactionId: string | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(file: string, options: EventCheckpointOptions = {}) {
    this.#file = file;
    this.#intervalMs = options.flushIntervalMs ?? 1_000;
    const saved = readSaved(file);
    this.#blockNumber = saved.blockNumber;
    this.#transactionId = saved.transactionId;
  }

  getBlockNumber(): bigint | undefined {
    return this.#blockNumber;
  }

  getTransactionId(): string | undefined {
    return this.#transactionId;
  }

  checkpointBlock(blockNumber: bigint): Promise<void> {
    this.#set(blockNumber + 1n, undefined);
    return Promise.resolve();
  }

  checkpointTransaction(blockNumber: bigint, transactionId: string): Promise<void> {
    this.#set(blockNumber, transactionId);
    return Promise.resolve();
  }

  checkpointChaincodeEvent(event: ChaincodeEvent): Promise<void> {
    return this.checkpointTransaction(event.blockNumber, event.transactionId);
  }

  /** Writes the position now if it changed since the last write. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return;
    this.#dirty = false;
    writeFileAtomic(this.#file, JSON.stringify({ blockNumber: this.#blockNumber?.toString(), transactionId: this.#transactionId }));
  }

  #set(blockNumber: bigint, transactionId: string | undefined): void {
    this.#blockNumber = blockNumber;
    this.#transactionId = transactionId;
    this.#dirty = true;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.flush();
      }, this.#intervalMs);
      // A pending write must not keep a stopping process alive; close() flushes it.
      this.#timer.unref();
    }
  }
}

function readSaved(file: string): { blockNumber?: bigint; transactionId?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  if (text.trim() === '') return {};
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new Error(`the event checkpoint ${file} is not JSON; remove it to follow events from the next block`);
  }
  const { blockNumber, transactionId } = (typeof state === 'object' && state !== null ? state : {}) as Record<string, unknown>;
  if (
    (blockNumber !== undefined && (typeof blockNumber !== 'string' || !/^\d{1,20}$/.test(blockNumber))) ||
    (transactionId !== undefined && typeof transactionId !== 'string')
  ) {
    throw new Error(`the event checkpoint ${file} does not hold a block number and transaction id; remove it to follow events from the next block`);
  }
  return { ...(blockNumber === undefined ? {} : { blockNumber: BigInt(blockNumber) }), ...(transactionId === undefined ? {} : { transactionId }) };
}
