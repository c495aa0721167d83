import { setTimeout as delay } from 'node:timers/promises';
import { checkpointers, type ChaincodeEvent, type Checkpointer, type Network } from '@hyperledger/fabric-gateway';

/** A ledger event as the gateway publishes it: position, chaincode event name, canonical payload. */
export interface LedgerEvent {
  readonly blockNumber: string;
  readonly transactionId: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  /** "<block>:<transactionId>" ("<block>:<transactionId>:<n>" for a batch's n-th statement), usable as an SSE Last-Event-ID. */
  readonly id: string;
}

export interface EventStreamOptions {
  readonly network: Network;
  readonly chaincode: string;
  /** Where the stream resumes after a reconnect (and, for a file checkpointer, a restart). */
  readonly checkpointer?: Checkpointer;
  /** First block when the checkpointer has no position yet; default: the next block. */
  readonly startBlock?: bigint;
  readonly onError?: (err: unknown, attempt: number) => void;
  /** Reconnect backoff bounds. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** The chaincode's event of a SubmitBatch transaction (docs/protocol.md §4, "Batches"). */
const BATCH_EVENT = 'StatementBatch';

/**
 * A chaincode event as the events clients know: one per statement. A batch's one event carries
 * its statements' events, passed on one by one with ids `<block>:<transaction>:<n>` (n from 0).
 */
export function toLedgerEvents(event: ChaincodeEvent): LedgerEvent[] {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(new TextDecoder().decode(event.payload)) as Record<string, unknown>;
  } catch {
    payload = {};
  }
  const position = { blockNumber: event.blockNumber.toString(), transactionId: event.transactionId };
  const id = `${position.blockNumber}:${event.transactionId}`;
  if (event.eventName !== BATCH_EVENT) return [{ ...position, name: event.eventName, payload, id }];
  const inner = Array.isArray(payload.events) ? (payload.events as unknown[]) : [];
  return inner.flatMap((e, n) =>
    typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string'
      ? [{ ...position, name: (e as { type: string }).type, payload: e as Record<string, unknown>, id: `${id}:${String(n)}` }]
      : [],
  );
}

/**
 * Chaincode events as an endless async sequence that survives peer restarts:
 * each event is checkpointed after the consumer took it, and on a stream error
 * the listener reconnects (with backoff) from the checkpoint, so no event is
 * lost or repeated.
 */
export async function* chaincodeEvents(options: EventStreamOptions, signal: AbortSignal): AsyncGenerator<LedgerEvent> {
  const checkpointer = options.checkpointer ?? checkpointers.inMemory();
  const min = options.minBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 5_000;
  let attempt = 0;
  while (!signal.aborted) {
    let events: Awaited<ReturnType<Network['getChaincodeEvents']>> | undefined;
    const onAbort = (): void => events?.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      events = await options.network.getChaincodeEvents(options.chaincode, {
        checkpoint: checkpointer,
        ...(options.startBlock !== undefined ? { startBlock: options.startBlock } : {}),
      });
      for await (const event of events) {
        attempt = 0;
        yield* toLedgerEvents(event);
        await checkpointer.checkpointChaincodeEvent(event);
      }
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal may abort during the awaits above; TS keeps the narrowing from the loop condition
      if (signal.aborted) {
        return;
      }
      attempt++;
      options.onError?.(err, attempt);
      await delay(Math.min(max, min * 2 ** (attempt - 1)), undefined, { signal }).catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', onAbort);
      events?.close();
    }
  }
}
