import { Context } from 'fabric-contract-api';
import type { ChaincodeStub, ClientIdentity, Iterators } from 'fabric-shim-api';

interface Modification {
  readonly txId: string;
  readonly timestampMs: number;
  readonly value: Uint8Array;
}

/** The event a committed transaction emitted. */
export interface EmittedEvent {
  readonly name: string;
  readonly payload: unknown;
}

export interface InvokeOptions {
  readonly mspId?: string;
  /** The client identity's x509 id as fabric-shim formats it; default a NodeOU client. */
  readonly id?: string;
  /** Transaction timestamp, milliseconds; default: the ledger clock. */
  readonly timeMs?: number;
}

/**
 * An in-memory world state with history, standing in for a peer in unit tests.
 * Like Fabric, a transaction reads committed state only and its writes commit
 * only when it succeeds.
 */
export class MemoryLedger {
  readonly channel: string;
  readonly #state = new Map<string, Uint8Array>();
  readonly #validation = new Map<string, Uint8Array>();
  readonly #history = new Map<string, Modification[]>();
  readonly events: EmittedEvent[] = [];
  /** Writes attempted by every transaction, committed or not. */
  readonly attemptedWrites: string[] = [];
  /** Every key the chaincode read with getState (a peer round trip each), in order. */
  readonly stateReads: string[] = [];
  clockMs: number;
  #txCount = 0;

  constructor(options: { readonly channel?: string; readonly clockMs?: number } = {}) {
    this.channel = options.channel ?? 'imaging';
    this.clockMs = options.clockMs ?? Date.UTC(2025, 0, 15, 12, 0, 0);
  }

  /** Runs fn as one transaction; commits its writes and event only if it resolves. */
  async invoke<T>(fn: (ctx: Context) => Promise<T>, options: InvokeOptions = {}): Promise<T> {
    const txId = `tx${String(++this.#txCount).padStart(6, '0')}`;
    const stub = new MemoryStub(this, txId, options.timeMs ?? this.clockMs);
    const identity: Partial<ClientIdentity> = {
      getMSPID: () => options.mspId ?? 'Org1MSP',
      getID: () => options.id ?? 'x509::/OU=client/CN=client::/C=US/CN=ca',
    };
    const ctx = new Context();
    ctx.stub = stub as unknown as ChaincodeStub;
    ctx.clientIdentity = identity as ClientIdentity;
    const result = await fn(ctx);
    stub.commit();
    return result;
  }

  /** A snapshot of the committed state, for "nothing written" assertions. */
  snapshot(): ReadonlyMap<string, string> {
    const copy = new Map<string, string>();
    for (const [key, value] of this.#state) {
      copy.set(key, Buffer.from(value).toString('utf8'));
    }
    for (const [key, value] of this.#validation) {
      copy.set(`validation:${key}`, Buffer.from(value).toString('hex'));
    }
    return copy;
  }

  stateKeys(): string[] {
    return [...this.#state.keys()].sort();
  }

  validationParameter(key: string): Uint8Array | undefined {
    return this.#validation.get(key);
  }

  /** @internal */
  read(key: string): Uint8Array | undefined {
    return this.#state.get(key);
  }

  /** @internal */
  entries(): [string, Uint8Array][] {
    return [...this.#state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** @internal */
  historyOf(key: string): readonly Modification[] {
    return this.#history.get(key) ?? [];
  }

  /** @internal */
  commitWrites(txId: string, timestampMs: number, writes: Map<string, Uint8Array>, validation: Map<string, Uint8Array>, event: EmittedEvent | undefined): void {
    for (const [key, value] of writes) {
      this.#state.set(key, value);
      const history = this.#history.get(key) ?? [];
      history.push({ txId, timestampMs, value });
      this.#history.set(key, history);
    }
    for (const [key, value] of validation) {
      this.#validation.set(key, value);
    }
    if (event !== undefined) {
      this.events.push(event);
    }
  }
}

function toAsyncIterable<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = items[Symbol.iterator]();
      return { next: () => Promise.resolve(iterator.next()) };
    },
  };
}

/** The subset of ChaincodeStub the chaincode uses. */
class MemoryStub {
  readonly #ledger: MemoryLedger;
  readonly #txId: string;
  readonly #timestampMs: number;
  readonly #writes = new Map<string, Uint8Array>();
  readonly #validation = new Map<string, Uint8Array>();
  #event: EmittedEvent | undefined;

  constructor(ledger: MemoryLedger, txId: string, timestampMs: number) {
    this.#ledger = ledger;
    this.#txId = txId;
    this.#timestampMs = timestampMs;
  }

  getTxID(): string {
    return this.#txId;
  }

  getChannelID(): string {
    return this.#ledger.channel;
  }

  getTxTimestamp(): { seconds: { toString(): string }; nanos: number } {
    const seconds = Math.floor(this.#timestampMs / 1000);
    return { seconds: { toString: () => String(seconds) }, nanos: (this.#timestampMs - seconds * 1000) * 1e6 };
  }

  getState(key: string): Promise<Uint8Array> {
    this.#ledger.stateReads.push(key);
    return Promise.resolve(this.#ledger.read(key) ?? new Uint8Array(0));
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    this.#ledger.attemptedWrites.push(key);
    this.#writes.set(key, value);
    return Promise.resolve();
  }

  setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.#ledger.attemptedWrites.push(`validation:${key}`);
    this.#validation.set(key, ep);
    return Promise.resolve();
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return `\u0000${[objectType, ...attributes].join('\u0000')}\u0000`;
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<Iterators.KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    const matches = this.#ledger
      .entries()
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => ({ namespace: 'isl', key, value }));
    return toAsyncIterable(matches);
  }

  /** Newest first, as Fabric v2 peers return history. */
  getHistoryForKey(key: string): AsyncIterable<Iterators.KeyModification> {
    const modifications = [...this.#ledger.historyOf(key)].reverse().map((m) => ({
      isDelete: false,
      value: m.value,
      txId: m.txId,
      timestamp: { seconds: Math.floor(m.timestampMs / 1000), nanos: (m.timestampMs % 1000) * 1e6 },
    }));
    return toAsyncIterable(modifications as unknown as Iterators.KeyModification[]);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.#event = { name, payload: JSON.parse(Buffer.from(payload).toString('utf8')) };
  }

  commit(): void {
    this.#ledger.commitWrites(this.#txId, this.#timestampMs, this.#writes, this.#validation, this.#event);
  }
}
