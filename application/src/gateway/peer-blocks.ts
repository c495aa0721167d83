import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { BlockReader } from '../audit/block-reader';
import { LedgerUnavailable } from '../ledger/errors';

/** What the gateway knows of the blocks its peer committed (read-your-writes across gateways). */
export interface CommittedBlocks {
  /** Resolves once the gateway's peer has committed `block`; false when it did not within `timeoutMs`. */
  reach(block: bigint, timeoutMs: number): Promise<boolean>;
  /** The block a committed transaction is in (undefined when the peer does not know it). */
  blockOf(transactionId: string): Promise<bigint | undefined>;
  /** Told of a block the peer is known to have committed (a write's commit status, an event). */
  observe(block: bigint): void;
}

/**
 * The peer's committed blocks, through the Fabric Gateway: a block at or below
 * the highest one seen is there already; a later one is waited for on the
 * peer's (filtered) block event stream, which delivers a block only once the
 * peer committed it, and is closed at the deadline. The stream starts at the
 * peer's next block at most: Fabric answers NOT_FOUND to a start beyond it.
 */
export class PeerBlocks implements CommittedBlocks {
  readonly #network: Network;
  #highest = -1n;

  constructor(network: Network) {
    this.#network = network;
  }

  observe(block: bigint): void {
    if (block > this.#highest) this.#highest = block;
  }

  async reach(block: bigint, timeoutMs: number): Promise<boolean> {
    if (block <= this.#highest) return true;
    let events: Awaited<ReturnType<Network['getFilteredBlockEvents']>> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const state = { finished: false };
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
    });
    const arrived = (async (): Promise<true> => {
      const next = this.#highest >= 0n ? this.#highest + 1n : BigInt(await new BlockReader(this.#network).height());
      this.observe(next - 1n);
      if (block < next) return true;
      events = await this.#network.getFilteredBlockEvents({ startBlock: next });
      // The deadline came while the stream was being opened.
      if (state.finished) events.close();
      for await (const delivered of events) {
        this.observe(BigInt(delivered.getNumber()));
        if (BigInt(delivered.getNumber()) >= block) break;
      }
      return true;
    })();
    try {
      return await Promise.race([arrived, deadline]);
    } catch (err) {
      throw new LedgerUnavailable(`waiting for block ${block.toString()}: the peer's block events failed: ${(err as Error).message}`, { cause: err });
    } finally {
      state.finished = true;
      clearTimeout(timer);
      events?.close();
      arrived.catch(() => undefined);
    }
  }

  async blockOf(transactionId: string): Promise<bigint | undefined> {
    try {
      const bytes = await this.#network.getContract('qscc').evaluateTransaction('GetBlockByTxID', this.#network.getName(), transactionId);
      const number = common.Block.deserializeBinary(bytes).getHeader()?.getNumber();
      if (number === undefined) return undefined;
      const found = BigInt(number);
      this.observe(found);
      return found;
    } catch {
      return undefined;
    }
  }
}
