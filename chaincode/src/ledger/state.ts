import type { ChaincodeStub } from 'fabric-shim-api';
import { RecordKey, type RecordKind } from './keys';
import { unmarshal } from './marshal';

/** One entry of a record's history, for auditors. */
export interface HistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

/** Reads of world state as domain records. */
export class LedgerState {
  readonly #stub: ChaincodeStub;

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  async get<T>(key: RecordKey): Promise<T | undefined> {
    const bytes = await this.#stub.getState(key.stateKey(this.#stub));
    return bytes.length === 0 ? undefined : (unmarshal(bytes) as T);
  }

  async exists(key: RecordKey): Promise<boolean> {
    const bytes = await this.#stub.getState(key.stateKey(this.#stub));
    return bytes.length > 0;
  }

  /** Range read by partial key: for queries only (a submit must not depend on one). */
  async list<T>(kind: RecordKind, prefix: readonly string[]): Promise<T[]> {
    const records: T[] = [];
    for await (const kv of this.#stub.getStateByPartialCompositeKey(kind, [...prefix])) {
      records.push(unmarshal(kv.value) as T);
    }
    return records;
  }

  /** Whether any record of the kind has the prefix; stops at the first (queries only, like list). */
  async any(kind: RecordKind, prefix: readonly string[]): Promise<boolean> {
    for await (const kv of this.#stub.getStateByPartialCompositeKey(kind, [...prefix])) {
      return kv.value.length > 0;
    }
    return false;
  }

  async history(key: RecordKey): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const modification of this.#stub.getHistoryForKey(key.stateKey(this.#stub))) {
      const seconds = Number(modification.timestamp.seconds.toString());
      const millis = seconds * 1000 + Math.floor(modification.timestamp.nanos / 1e6);
      entries.push({
        txId: modification.txId,
        timestamp: new Date(millis).toISOString(),
        isDelete: modification.isDelete,
        value: modification.isDelete || modification.value.length === 0 ? null : unmarshal(modification.value),
      });
    }
    return entries;
  }
}
