import type { Network } from '@hyperledger/fabric-gateway';
import { EventCheckpoint } from './event-checkpoint';
import { chaincodeEvents, type LedgerEvent } from './event-stream';

export type EventListener = (event: LedgerEvent) => void;

/**
 * One chaincode-event listener per gateway, with a persistent (file)
 * checkpoint, fanned out to live subscribers (SSE clients, metrics, audit).
 */
export class EventHub {
  readonly #listeners = new Set<EventListener>();
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #last: LedgerEvent | undefined;
  #errors = 0;
  #checkpoint: EventCheckpoint | undefined;

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get lastEvent(): LedgerEvent | undefined {
    return this.#last;
  }

  get reconnects(): number {
    return this.#errors;
  }

  start(network: Network, chaincode: string, checkpointFile: string, onError: (err: unknown) => void): void {
    const checkpointer = new EventCheckpoint(checkpointFile);
    this.#checkpoint = checkpointer;
    this.#running = (async () => {
      for await (const event of chaincodeEvents(
        {
          network,
          chaincode,
          checkpointer,
          onError: (err) => {
            this.#errors++;
            onError(err);
          },
        },
        this.#abort.signal,
      )) {
        this.#last = event;
        for (const l of this.#listeners) {
          l(event);
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    this.#checkpoint?.flush();
  }
}
