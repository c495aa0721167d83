import { checkAccess, type AccessDecision, type StateReader } from '@isl/chaincode';
import type { StateWrite } from './block-writes';

/** Fabric's composite-key separator (U+0000): state keys are \0kind\0attribute\0…\0. */
const SEP = '\u0000';
/** The record kinds CheckAccess reads: the source, its study, the grant, the break-glass leases. */
const MIRRORED: ReadonlySet<string> = new Set(['source', 'study', 'grant', 'breakglass']);

function compositeKey(kind: string, attributes: readonly string[]): string {
  return `${SEP}${kind}${SEP}${attributes.map((a) => `${a}${SEP}`).join('')}`;
}

/**
 * This source's part of the ledger's world state that CheckAccess reads, kept
 * from committed blocks' writes: the same records under the same keys, so that
 * `decide` runs the chaincode's own checkAccess over them and answers what the
 * peer's CheckAccess answers at the same height and time.
 */
export class GrantMirror implements StateReader {
  readonly #source: string;
  /**
   * By state key: the JSON the record was written as, parsed when a decision reads it. Only the JSON:
   * the view holds every record of its source, and a parsed copy beside it was a third of the
   * ~1.2 KB a grant costs in memory (docs/performance.md, goal 1); a parse per read costs microseconds.
   */
  readonly #records = new Map<string, string>();
  /** Break-glass record keys by their (source, study, recipient) prefix: checkAccess lists them per decision. */
  readonly #leases = new Map<string, Set<string>>();

  constructor(source: string) {
    this.#source = source;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Whether a state key is one this source's CheckAccess can read. */
  covers(key: string): boolean {
    if (!key.startsWith(SEP)) return false;
    const [, kind, first] = key.split(SEP, 3);
    return kind !== undefined && MIRRORED.has(kind) && first === this.#source;
  }

  /** Applies a block's writes in order; writes of other sources and kinds are not kept. */
  apply(writes: readonly StateWrite[]): void {
    for (const write of writes) {
      if (this.covers(write.key)) this.#put(write.key, write.value);
    }
  }

  /** Every record kept, as [state key, JSON]: what a checkpoint stores. */
  entries(): [string, string][] {
    return [...this.#records];
  }

  /** Replaces every record with a checkpoint's (entries of other sources or kinds are dropped). */
  restore(entries: readonly (readonly [string, string])[]): void {
    this.clear();
    this.apply(entries.map(([key, value]) => ({ key, value })));
  }

  clear(): void {
    this.#records.clear();
    this.#leases.clear();
  }

  // Async only because StateReader is: nothing awaits I/O, so a decision never interleaves with a block's writes.
  get<T>(key: { readonly kind: string; readonly attributes: readonly string[] }): Promise<T | undefined> {
    const json = this.#records.get(compositeKey(key.kind, key.attributes));
    return Promise.resolve(json === undefined ? undefined : (JSON.parse(json) as T));
  }

  /** Records under a partial key in key order, as the peer's range read returns them (only break-glass leases are listed by checkAccess). */
  list<T>(kind: string, prefix: readonly string[]): Promise<T[]> {
    if (kind !== 'breakglass' || prefix.length !== 3) {
      return Promise.reject(new Error(`the grant mirror lists break-glass leases of a recipient only, not ${kind} by ${String(prefix.length)} attributes`));
    }
    const keys = [...(this.#leases.get(compositeKey(kind, prefix)) ?? [])].sort();
    return Promise.resolve(keys.map((k) => JSON.parse(this.#records.get(k) ?? 'null') as T));
  }

  /** CheckAccess of this source's study for the recipient at atMs, from the mirrored records. */
  decide(study: string, recipient: string, atMs: number): Promise<AccessDecision> {
    return checkAccess(this, this.#source, study, recipient, atMs);
  }

  #put(key: string, json: string | undefined): void {
    if (json === undefined) this.#records.delete(key);
    else {
      JSON.parse(json); // a write that is not JSON fails the block here, as before, not a later decision
      this.#records.set(key, json);
    }
    const parts = key.split(SEP);
    if (parts[1] !== 'breakglass') return;
    const prefix = compositeKey('breakglass', parts.slice(2, 5));
    const leases = this.#leases.get(prefix) ?? new Set<string>();
    if (json === undefined) leases.delete(key);
    else leases.add(key);
    if (leases.size === 0) this.#leases.delete(prefix);
    else this.#leases.set(prefix, leases);
  }
}
