import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { networkBlockFeed } from '@isl/application';
import { CommitWatch, type CommittedTx, type TxStream } from './commit-watch';
import type { BenchNetwork } from './network';

/** A peer's filtered blocks (transaction ids and validation codes only: the cheapest block events a peer sends) as its transactions. */
function transactions(blocks: CloseableAsyncIterable<peer.FilteredBlock>): TxStream {
  return {
    close: () => {
      blocks.close();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<readonly CommittedTx[]> {
      for await (const block of blocks)
        yield block.getFilteredTransactionsList().map((tx) => ({ txId: tx.getTxid(), valid: tx.getTxValidationCode() === peer.TxValidationCode.VALID }));
    },
  };
}

/**
 * A CommitWatch over every peer listed in connection.json: one Fabric Gateway connection per peer
 * (its organisation's client identity), each peer's filtered block events from its current height
 * (qscc GetChainInfo through that connection), so blocks committed before the watch are not replayed.
 */
export async function watchEveryPeer(net: BenchNetwork): Promise<CommitWatch> {
  const streams: { name: string; stream: TxStream }[] = [];
  try {
    for (const [org, index] of net.peers()) {
      const channel = net.network(org, index);
      const height = await networkBlockFeed(channel).height();
      const blocks = await channel.getFilteredBlockEvents({ startBlock: height });
      streams.push({ name: org.profile.peers[index]?.name ?? `${org.profile.name} peer ${String(index)}`, stream: transactions(blocks) });
    }
  } catch (err) {
    for (const s of streams) s.stream.close();
    throw err;
  }
  return new CommitWatch(streams);
}
