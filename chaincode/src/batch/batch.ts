import { Context } from 'fabric-contract-api';
import type { ChaincodeStub } from 'fabric-shim-api';
import { LedgerError, type ErrorCode } from '../errors';
import type { Changes, LedgerEvent, Outcome } from '../ledger/changes';
import { marshal } from '../ledger/marshal';
import { Tx } from '../ledger/tx';
import { Limits } from '../statement/limits';
import { recordingStub } from './reads';

/** A statement transaction's rule, as the contract routes it by statement type. */
export type Rule = (tx: Tx, statement: unknown) => Promise<Outcome<unknown>>;

/** One statement's outcome in a batch, at its index in the batch. */
export type BatchOutcome =
  | { readonly index: number; readonly type: string; readonly applied: true; readonly record: unknown }
  | { readonly index: number; readonly type?: string; readonly applied: false; readonly code: ErrorCode; readonly message: string };

/** The name of a batch's one event (Fabric keeps one per transaction). */
export const BATCH_EVENT = 'StatementBatch';

/** Its payload: the event each applied statement emits on its own, in batch order (ids only, like them). */
export interface BatchEvent {
  readonly type: typeof BATCH_EVENT;
  readonly events: readonly LedgerEvent[];
}

/**
 * Several statements in one transaction (docs/protocol.md §4, "Batches"). Each is verified and
 * applied or refused on its own rule, as in its own transaction. Within a transaction a read does
 * not see the transaction's own writes, so a statement that reads or writes a record an earlier
 * statement of the batch changed is refused (BATCH_KEY_CONFLICT) rather than decided on the record
 * as it was before the batch: a replay inside the batch, a grant and its revocation, two grants of
 * one study to one recipient. A refused statement writes nothing; the others still apply.
 */
export class Batch {
  readonly outcomes: BatchOutcome[] = [];
  readonly #ctx: Context;
  readonly #rules: ReadonlyMap<string, Rule>;
  readonly #applied: Changes[] = [];
  /** State keys written by applied statements → the index of the statement that wrote each. */
  readonly #written = new Map<string, number>();

  private constructor(ctx: Context, rules: ReadonlyMap<string, Rule>) {
    this.#ctx = ctx;
    this.#rules = rules;
  }

  /** Runs every statement of the batch argument (a JSON array of compact JWS); writes nothing yet. */
  static async run(ctx: Context, rules: ReadonlyMap<string, Rule>, argument: unknown): Promise<Batch> {
    const batch = new Batch(ctx, rules);
    const statements = parseBatch(argument);
    for (const [index, jws] of statements.entries()) {
      batch.outcomes.push(await batch.#take(index, jws));
    }
    return batch;
  }

  /** Writes the applied statements' changes, and one event carrying their events. */
  async apply(stub: ChaincodeStub): Promise<void> {
    for (const changes of this.#applied) {
      await changes.applyWrites(stub);
    }
    const events = this.#applied.flatMap((changes) => (changes.event === undefined ? [] : [changes.event]));
    if (events.length > 0) {
      const event: BatchEvent = { type: BATCH_EVENT, events };
      stub.setEvent(BATCH_EVENT, marshal(event));
    }
  }

  async #take(index: number, jws: unknown): Promise<BatchOutcome> {
    const reads = new Set<string>();
    const decided = await this.#decide(index, jws, reads);
    const writes = decided.outcome?.changes.stateKeys(this.#ctx.stub) ?? [];
    const { type } = decided;
    const refusal = this.#conflict(index, type, [...reads, ...writes]) ?? decided.refusal;
    if (refusal !== undefined) {
      return { index, ...(type === undefined ? {} : { type }), applied: false, code: refusal.code, message: refusal.message };
    }
    if (decided.outcome === undefined || type === undefined) throw new Error('a batch statement neither applied nor refused');
    for (const key of writes) this.#written.set(key, index);
    this.#applied.push(decided.outcome.changes);
    return { index, type, applied: true, record: decided.outcome.record };
  }

  /** The statement's rule, run as in its own transaction but with its reads noted; a LedgerError is its refusal. */
  async #decide(index: number, jws: unknown, reads: Set<string>): Promise<{ type?: string; outcome?: Outcome<unknown>; refusal?: LedgerError }> {
    let type: string | undefined;
    try {
      type = statementType(index, jws, this.#rules);
      const rule = this.#rules.get(type);
      if (rule === undefined) throw new Error(`no rule for ${type}`);
      // The context a rule's Tx reads: this transaction's, with reads noted.
      const context = new Context();
      context.stub = recordingStub(this.#ctx.stub, reads);
      context.clientIdentity = this.#ctx.clientIdentity;
      const outcome = await rule(new Tx(context), jws);
      return { type, outcome };
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      return type === undefined ? { refusal: err } : { type, refusal: err };
    }
  }

  /** Whether the statement's decision depended on, or would overwrite, a record an earlier statement changed. */
  #conflict(index: number, type: string | undefined, touched: readonly string[]): LedgerError | undefined {
    for (const key of touched) {
      const earlier = this.#written.get(key);
      if (earlier !== undefined) {
        return new LedgerError(
          'BATCH_KEY_CONFLICT',
          `${type ?? 'statement'} at index ${String(index)} touches ${recordId(key)}, which the statement at index ${String(earlier)} of this batch changes; send it in a later batch`,
        );
      }
    }
    return undefined;
  }
}

/** The batch argument: a JSON array of 1 to maxBatchStatements elements, bounded before it is parsed. */
function parseBatch(argument: unknown): unknown[] {
  const shape = `a JSON array of 1 to ${String(Limits.maxBatchStatements)} compact JWS statements, at most ${String(Limits.maxBatchLength)} characters`;
  if (typeof argument !== 'string' || argument.length > Limits.maxBatchLength) {
    throw new LedgerError('BATCH_INVALID', `the batch must be ${shape}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(argument);
  } catch {
    throw new LedgerError('BATCH_INVALID', `the batch is not JSON; it must be ${shape}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > Limits.maxBatchStatements) {
    throw new LedgerError('BATCH_INVALID', `the batch must be ${shape}`);
  }
  return parsed as unknown[];
}

/** Reads the (not yet verified) type claim only to choose the rule; the rule verifies the statement fully. */
function statementType(index: number, jws: unknown, rules: ReadonlyMap<string, Rule>): string {
  const at = `batch statement at index ${String(index)}`;
  if (typeof jws !== 'string') throw new LedgerError('STATEMENT_MALFORMED', `${at} must be a string`);
  if (jws.length > Limits.maxStatementLength) {
    throw new LedgerError('STATEMENT_TOO_LARGE', `${at} is ${String(jws.length)} characters, more than ${String(Limits.maxStatementLength)}`);
  }
  const parts = jws.split('.');
  let type: unknown;
  try {
    type = (JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { type?: unknown } | null)?.type;
  } catch {
    type = undefined;
  }
  if (parts.length !== 3 || type === undefined) {
    throw new LedgerError('STATEMENT_MALFORMED', `${at} must be a compact JWS whose payload is a JSON object with a type claim`);
  }
  if (typeof type !== 'string' || !rules.has(type)) {
    throw new LedgerError(
      'STATEMENT_TYPE_MISMATCH',
      `${at}: a batch takes ${[...rules.keys()].join(', ')}, not ${typeof type === 'string' ? type.slice(0, 64) : typeof type}`,
    );
  }
  return type;
}

/** A composite state key as the record id events and GetHistory use (kind/attribute/...). */
function recordId(stateKey: string): string {
  return stateKey
    .split('\u0000')
    .filter((part) => part !== '')
    .join('/');
}
