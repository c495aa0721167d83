import type { CloseableAsyncIterable, Network } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { BlockReader } from '../audit/block-reader';

/** The blocks the source's own peer has committed: what the grant view is kept from (the ledger boundary). */
export interface BlockFeed {
  /** The peer's height now: the number of the next block it will commit. */
  height(): Promise<bigint>;
  /** The peer's committed blocks in order from `start`, each delivered once the peer has it; open until closed or failed. */
  blocks(start: bigint): Promise<CloseableAsyncIterable<common.Block>>;
}

/** The feed through the Fabric Gateway: qscc GetChainInfo for the height, the peer's block event stream (full blocks) for the blocks. */
export function networkBlockFeed(network: Network): BlockFeed {
  const reader = new BlockReader(network);
  return {
    height: async () => BigInt(await reader.height()),
    blocks: (start) => network.getBlockEvents({ startBlock: start }),
  };
}
