import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { type Commit, GatewayError, StatusCode, type Contract, type Transaction } from '@hyperledger/fabric-gateway';
import { findRejection, LedgerRejection, LedgerUnavailable, OutcomeUnknown, TransactionInvalid } from './errors';
import type { TransactionLookup } from './transaction-status';

export interface RetryOptions {
  /** New proposals after an MVCC read conflict (each gets a new transaction ID). */
  readonly mvccRetries: number;
  /** Attempts when no peer or orderer answers, with exponential backoff. */
  readonly unavailableRetries: number;
  readonly backoffMs: number;
}

const defaultRetries: RetryOptions = { mvccRetries: 5, unavailableRetries: 5, backoffMs: 250 };

export interface Submitted<T> {
  readonly result: T;
  readonly transactionId: string;
  readonly blockNumber: bigint;
  /** How many proposals it took (1 when nothing was retried). */
  readonly attempts: number;
}

export interface LedgerClientObserver {
  onRetry?(transaction: string, reason: 'mvcc' | 'unavailable'): void;
  onResult?(transaction: string, outcome: SubmitOutcome, seconds: number): void;
}

export type SubmitOutcome = 'committed' | 'rejected' | 'invalid' | 'unavailable' | 'unknown' | 'error';

export interface LedgerClientOptions {
  readonly retries?: RetryOptions;
  readonly observer?: LedgerClientObserver;
  /** Where to look up an attempt whose outcome the submit could not learn (default: nowhere; such outcomes stay unknown). */
  readonly lookup?: TransactionLookup;
  /** Says when ordering has lost its quorum (ordering-quorum.ts): a write is then refused before it is proposed. */
  readonly ordering?: { refusal(): string | undefined };
}

/** An attempt that reached ordering, or may have: it may commit whatever happens to the attempts after it. */
interface SentAttempt {
  readonly transactionId: string;
  readonly result: Uint8Array;
}

type Status = Awaited<ReturnType<Commit['getStatus']>>;

function outcomeOf(err: Error): SubmitOutcome {
  if (err instanceof LedgerRejection) return 'rejected';
  if (err instanceof TransactionInvalid) return 'invalid';
  if (err instanceof OutcomeUnknown) return 'unknown';
  if (err instanceof LedgerUnavailable) return 'unavailable';
  return 'error';
}

const MVCC = StatusCode.MVCC_READ_CONFLICT;
const PHANTOM = StatusCode.PHANTOM_READ_CONFLICT;
const statusName = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));
// GatewayError.code is a plain number, so the gRPC codes it is compared with are too.
const retryable = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);
const FAILED_PRECONDITION: number = grpc.status.FAILED_PRECONDITION;
const DEADLINE_EXCEEDED: number = grpc.status.DEADLINE_EXCEEDED;

/**
 * The ledger's transactions and queries through the Fabric Gateway: results
 * are returned only once their commit status is known; MVCC conflicts are
 * retried as new transactions; chaincode rejections become LedgerRejection
 * (with the chaincode's code) and an unreachable network LedgerUnavailable.
 */
export class LedgerClient {
  readonly #contract: Contract;
  readonly #retries: RetryOptions;
  readonly #observer: LedgerClientObserver;
  readonly #lookup: TransactionLookup | undefined;
  readonly #ordering: LedgerClientOptions['ordering'];

  constructor(contract: Contract, options: LedgerClientOptions = {}) {
    this.#contract = contract;
    this.#retries = options.retries ?? defaultRetries;
    this.#observer = options.observer ?? {};
    this.#lookup = options.lookup;
    this.#ordering = options.ordering;
  }

  /**
   * Endorses, orders and waits for the commit status. A statement that never
   * reached ordering is proposed again (transient failures, MVCC conflicts);
   * one that reached ordering, or may have, is never reported failed while it
   * could still commit: when a later attempt fails because an earlier one took
   * effect, the earlier one is the result; when nobody can say whether an
   * attempt committed, the answer is OutcomeUnknown, naming its transaction.
   */
  async submit<T = unknown>(transaction: string, args: readonly string[]): Promise<Submitted<T>> {
    const started = performance.now();
    const sent: SentAttempt[] = [];
    try {
      const submitted = await this.#attempts<T>(transaction, args, sent);
      this.#observer.onResult?.(transaction, 'committed', seconds(started));
      return submitted;
    } catch (err) {
      const settled = await this.#settle<T>(err, sent);
      if (!(settled instanceof Error)) {
        this.#observer.onResult?.(transaction, 'committed', seconds(started));
        return settled;
      }
      this.#observer.onResult?.(transaction, outcomeOf(settled), seconds(started));
      throw settled;
    }
  }

  async #attempts<T>(transaction: string, args: readonly string[], sent: SentAttempt[]): Promise<Submitted<T>> {
    let mvcc = 0;
    let unavailable = 0;
    for (let attempt = 1; ; attempt++) {
      // Nothing sent yet and no quorum to order it: a clear refusal now, not a wait on the orderers' timeouts.
      const refusal = sent.length === 0 ? this.#ordering?.refusal() : undefined;
      if (refusal !== undefined) throw new LedgerUnavailable(`${transaction}: ${refusal}`);
      try {
        const endorsed = await this.#contract.newProposal(transaction, { arguments: [...args] }).endorse();
        const status = await this.#order(endorsed, sent);
        if (status.successful) {
          return { result: parse(endorsed.getResult()) as T, transactionId: status.transactionId, blockNumber: status.blockNumber, attempts: attempt };
        }
        if ((status.code === MVCC || status.code === PHANTOM) && mvcc < this.#retries.mvccRetries) {
          mvcc++;
          this.#observer.onRetry?.(transaction, 'mvcc');
          continue;
        }
        throw new TransactionInvalid(status.transactionId, statusName.get(status.code) ?? String(status.code));
      } catch (err) {
        if (err instanceof TransactionInvalid || err instanceof OutcomeUnknown) throw err;
        const rejection = asRejection(err);
        if (rejection) throw rejection;
        if (!isUnavailable(err)) throw err;
        if (unavailable >= this.#retries.unavailableRetries) {
          throw new LedgerUnavailable(`${transaction}: the network did not answer after ${String(unavailable + 1)} attempts`, { cause: err });
        }
        unavailable++;
        this.#observer.onRetry?.(transaction, 'unavailable');
        await delay(this.#retries.backoffMs * 2 ** (unavailable - 1));
      }
    }
  }

  /**
   * Sends an endorsed transaction to ordering and learns its commit status,
   * asking again while the peer does not answer. The attempt is recorded in
   * `sent` once it may have reached the orderer.
   */
  async #order(endorsed: Transaction, sent: SentAttempt[]): Promise<Status> {
    const attempt: SentAttempt = { transactionId: endorsed.getTransactionId(), result: endorsed.getResult() };
    let commit: Commit;
    try {
      commit = await endorsed.submit();
    } catch (err) {
      // Refused outright (a rejection, a bad request) never reached ordering; no answer may have.
      if (isUnavailable(err)) sent.push(attempt);
      throw err;
    }
    sent.push(attempt);
    for (let tries = 0; ; tries++) {
      try {
        return await commit.getStatus();
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        // Its deadline passed: asking again would only lengthen the wait for a transaction that may never commit.
        if (tries >= this.#retries.unavailableRetries || (err instanceof GatewayError && err.code === DEADLINE_EXCEEDED)) {
          throw new OutcomeUnknown(attempt.transactionId, `transaction ${attempt.transactionId} was sent to ordering; its commit status could not be learned`, {
            cause: err,
          });
        }
        await delay(this.#retries.backoffMs * 2 ** tries);
      }
    }
  }

  /**
   * After a failed submit that sent attempts to ordering: an attempt the ledger
   * shows valid is the result; else an attempt nobody can place yet makes the
   * outcome unknown (it may still commit); else the failure stands.
   */
  async #settle<T>(err: unknown, sent: readonly SentAttempt[]): Promise<Submitted<T> | Error> {
    const failure = err instanceof Error ? err : new Error(String(err));
    if (sent.length === 0) return failure;
    if (!(failure instanceof TransactionInvalid || failure instanceof OutcomeUnknown || failure instanceof LedgerUnavailable)) return failure;
    let open: SentAttempt | undefined;
    for (const a of sent) {
      if (failure instanceof TransactionInvalid && a.transactionId === failure.transactionId) continue;
      const outcome = this.#lookup === undefined ? undefined : await this.#lookup(a.transactionId);
      if (outcome?.valid === true) {
        return { result: parse(a.result) as T, transactionId: a.transactionId, blockNumber: outcome.blockNumber, attempts: sent.length };
      }
      if (outcome === undefined) open ??= a;
    }
    if (failure instanceof OutcomeUnknown || open === undefined) return failure;
    return new OutcomeUnknown(
      open.transactionId,
      `transaction ${open.transactionId} may have reached ordering; its outcome is not known (then: ${failure.message})`,
      {
        cause: failure,
      },
    );
  }

  async evaluate<T = unknown>(transaction: string, args: readonly string[]): Promise<T> {
    const started = performance.now();
    for (let unavailable = 0; ; unavailable++) {
      try {
        const result = parse(await this.#contract.evaluate(transaction, { arguments: [...args] })) as T;
        this.#observer.onResult?.(transaction, 'committed', seconds(started));
        return result;
      } catch (err) {
        const rejection = asRejection(err);
        if (rejection) {
          this.#observer.onResult?.(transaction, 'rejected', seconds(started));
          throw rejection;
        }
        if (isUnavailable(err) && unavailable < this.#retries.unavailableRetries) {
          this.#observer.onRetry?.(transaction, 'unavailable');
          await delay(this.#retries.backoffMs * 2 ** unavailable);
          continue;
        }
        if (isUnavailable(err)) {
          this.#observer.onResult?.(transaction, 'unavailable', seconds(started));
          throw new LedgerUnavailable(`${transaction}: the network did not answer`, { cause: err });
        }
        this.#observer.onResult?.(transaction, 'error', seconds(started));
        throw err;
      }
    }
  }
}

function seconds(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}

function parse(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  return text === '' ? undefined : JSON.parse(text);
}

function messagesOf(err: unknown): string[] {
  if (err instanceof GatewayError) {
    return [err.message, ...err.details.map((d) => d.message)];
  }
  return err instanceof Error ? [err.message] : [];
}

function asRejection(err: unknown): LedgerRejection | undefined {
  const found = findRejection(messagesOf(err));
  if (!found) {
    return undefined;
  }
  const txId = err instanceof GatewayError && 'transactionId' in err ? String((err as { transactionId: unknown }).transactionId) : undefined;
  return new LedgerRejection(found.code, found.message, txId);
}

/**
 * Transient: no peer or orderer answered; (right after a peer restart) the
 * gateway's discovery does not yet know enough peers to satisfy the policy; or
 * a peer is at its concurrency limit ("too many requests", Fabric's gRPC limiter).
 */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof GatewayError)) {
    return false;
  }
  const messages = [err.message, ...err.details.map((d) => d.message)];
  return (
    retryable.has(err.code) ||
    (err.code === FAILED_PRECONDITION && /no combination of peers|no peers available/i.test(err.message)) ||
    messages.some((m) => /too many requests for .*exceeding concurrency limit/.test(m))
  );
}

/** The ledger calls the gateway's routes make (a LedgerClient, or a fake in unit tests). */
export type LedgerCalls = Pick<LedgerClient, 'submit' | 'evaluate'>;
