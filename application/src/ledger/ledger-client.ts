import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { GatewayError, StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import { findRejection, LedgerRejection, LedgerUnavailable, TransactionInvalid } from './errors';

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
  onResult?(transaction: string, outcome: 'committed' | 'rejected' | 'invalid' | 'unavailable' | 'error', seconds: number): void;
}

const MVCC = StatusCode.MVCC_READ_CONFLICT;
const PHANTOM = StatusCode.PHANTOM_READ_CONFLICT;
const statusName = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));
// GatewayError.code is a plain number, so the gRPC codes it is compared with are too.
const retryable = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);
const FAILED_PRECONDITION: number = grpc.status.FAILED_PRECONDITION;

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

  constructor(contract: Contract, options: { readonly retries?: RetryOptions; readonly observer?: LedgerClientObserver } = {}) {
    this.#contract = contract;
    this.#retries = options.retries ?? defaultRetries;
    this.#observer = options.observer ?? {};
  }

  async submit<T = unknown>(transaction: string, args: readonly string[]): Promise<Submitted<T>> {
    const started = performance.now();
    let mvcc = 0;
    let unavailable = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const proposal = this.#contract.newProposal(transaction, { arguments: [...args] });
        const endorsed = await proposal.endorse();
        const commit = await endorsed.submit();
        const status = await commit.getStatus();
        if (!status.successful) {
          if ((status.code === MVCC || status.code === PHANTOM) && mvcc < this.#retries.mvccRetries) {
            mvcc++;
            this.#observer.onRetry?.(transaction, 'mvcc');
            continue;
          }
          this.#observer.onResult?.(transaction, 'invalid', seconds(started));
          throw new TransactionInvalid(status.transactionId, statusName.get(status.code) ?? String(status.code));
        }
        this.#observer.onResult?.(transaction, 'committed', seconds(started));
        return { result: parse(endorsed.getResult()) as T, transactionId: status.transactionId, blockNumber: status.blockNumber, attempts: attempt };
      } catch (err) {
        if (err instanceof TransactionInvalid) {
          throw err;
        }
        const rejection = asRejection(err);
        if (rejection) {
          this.#observer.onResult?.(transaction, 'rejected', seconds(started));
          throw rejection;
        }
        if (isUnavailable(err) && unavailable < this.#retries.unavailableRetries) {
          unavailable++;
          this.#observer.onRetry?.(transaction, 'unavailable');
          await delay(this.#retries.backoffMs * 2 ** (unavailable - 1));
          continue;
        }
        if (isUnavailable(err)) {
          this.#observer.onResult?.(transaction, 'unavailable', seconds(started));
          throw new LedgerUnavailable(`${transaction}: the network did not answer after ${String(unavailable + 1)} attempts`, { cause: err });
        }
        this.#observer.onResult?.(transaction, 'error', seconds(started));
        throw err;
      }
    }
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
