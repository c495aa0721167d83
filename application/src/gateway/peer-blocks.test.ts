import { strict as assert } from 'node:assert';
import type { Network } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { PeerBlocks } from './peer-blocks';

/** A network whose block event stream delivers `delivered` blocks from the start asked for, then waits until closed. */
function network(delivered: number[], closed: { count: number }, byTx: Map<string, number> = new Map(), height = delivered[0] ?? 0): Network {
  return {
    getName: () => 'imaging',
    getFilteredBlockEvents: ({ startBlock }: { startBlock: bigint }) => {
      let open = true;
      let wake: (() => void) | undefined;
      const iterable = {
        async *[Symbol.asyncIterator]() {
          for (const n of delivered.filter((b) => BigInt(b) >= startBlock)) yield { getNumber: () => n };
          await new Promise<void>((resolve) => (wake = resolve));
          if (open) throw new Error('unreachable');
        },
        close: () => {
          open = false;
          closed.count++;
          wake?.();
        },
      };
      return Promise.resolve(iterable);
    },
    getContract: () => ({
      evaluateTransaction: (fn: string, _channel: string, txId: string) => {
        if (fn === 'GetChainInfo') {
          const info = new common.BlockchainInfo();
          info.setHeight(height);
          return Promise.resolve(info.serializeBinary());
        }
        const n = byTx.get(txId);
        if (n === undefined) return Promise.reject(new Error('no such transaction'));
        const header = new common.BlockHeader();
        header.setNumber(n);
        const block = new common.Block();
        block.setHeader(header);
        return Promise.resolve(block.serializeBinary());
      },
    }),
  } as unknown as Network;
}

describe("the peer's committed blocks", () => {
  it('reaches a block once the peer delivers it, and remembers it without asking again', async () => {
    const closed = { count: 0 };
    const blocks = new PeerBlocks(network([7, 8], closed));
    assert.equal(await blocks.reach(8n, 1_000), true);
    assert.equal(closed.count, 1, 'the stream is closed');
    assert.equal(await blocks.reach(5n, 1_000), true);
    assert.equal(closed.count, 1, 'a block below the highest seen needs no stream');
  });

  it("starts the stream at the peer's next block (Fabric refuses a start beyond it), and answers a block below it at once", async () => {
    const starts: bigint[] = [];
    const base = network([5, 6, 7, 8, 9], { count: 0 });
    const spy = { ...base, getName: () => 'imaging', getContract: base.getContract.bind(base) } as unknown as Network & {
      getFilteredBlockEvents: Network['getFilteredBlockEvents'];
    };
    spy.getFilteredBlockEvents = (o: { startBlock: bigint }) => {
      starts.push(o.startBlock);
      return base.getFilteredBlockEvents(o);
    };
    const blocks = new PeerBlocks(spy);
    assert.equal(await blocks.reach(9n, 1_000), true);
    assert.deepEqual(starts, [5n]);
    assert.equal(await new PeerBlocks(network([], { count: 0 }, new Map(), 20)).reach(19n, 10), true, 'block 19 of a chain 20 high is there');
  });

  it('gives up at the deadline with false, closing the stream', async () => {
    const closed = { count: 0 };
    assert.equal(await new PeerBlocks(network([3], closed)).reach(9n, 100), false);
    assert.equal(closed.count, 1);
  });

  it("finds a transaction's block through qscc, undefined when the peer does not know it", async () => {
    const blocks = new PeerBlocks(network([], { count: 0 }, new Map([['t1', 42]])));
    assert.equal(await blocks.blockOf('t1'), 42n);
    assert.equal(await blocks.blockOf('t2'), undefined);
    assert.equal(await blocks.reach(40n, 10), true, 'a block found is known committed');
  });
});
