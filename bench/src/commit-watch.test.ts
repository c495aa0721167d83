import assert from 'node:assert/strict';
import { CommitWatch, type CommittedTx, type TxStream } from './commit-watch';

/** A peer's block stream the test feeds by hand. */
class FakeStream implements TxStream {
  readonly #queue: (readonly CommittedTx[])[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #failure: Error | undefined;
  closedByWatch = false;

  block(...txIds: string[]): void {
    this.#queue.push(txIds.map((txId) => ({ txId, valid: !txId.startsWith('invalid') })));
    this.#wake?.();
  }

  fail(err: Error): void {
    this.#failure = err;
    this.#wake?.();
  }

  close(): void {
    this.closedByWatch = true;
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<readonly CommittedTx[]> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) yield next;
      else if (this.#failure) throw this.#failure;
      else if (this.#closed) return;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

/** Lets the watch's readers take what was pushed (they run on the event loop). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function watchOf(n: number, o: { maxTracked?: number } = {}): { watch: CommitWatch; peers: FakeStream[]; clock: { t: number } } {
  const peers = Array.from({ length: n }, () => new FakeStream());
  const clock = { t: 0 };
  const watch = new CommitWatch(
    peers.map((stream, i) => ({ name: `peer${String(i)}`, stream })),
    { now: () => clock.t, ...o },
  );
  return { watch, peers, clock };
}

describe('CommitWatch (when each peer reported each transaction committed)', () => {
  it('records each peer’s first sighting of a valid transaction, and ignores invalid ones', async () => {
    const { watch, peers, clock } = watchOf(2);
    clock.t = 10;
    peers[0]!.block('t1', 'invalid-t2');
    await turn();
    clock.t = 25;
    peers[1]!.block('t1');
    peers[0]!.block('t1'); // delivered again (a reconnect): the first sighting stays
    await turn();
    assert.deepEqual(watch.seen('t1'), [10, 25]);
    assert.equal(watch.seen('invalid-t2'), undefined);
    await watch.close();
  });

  it('settles as soon as every transaction is on every peer, not at its bound', async () => {
    const { watch, peers } = watchOf(3);
    peers[0]!.block('a', 'b');
    await turn();
    // The bound is far beyond mocha's timeout: only the events can end this wait.
    const settled = watch.settle(['a', 'b'], 3_600_000);
    peers[1]!.block('a', 'b');
    peers[2]!.block('a');
    peers[2]!.block('b');
    await settled;
    assert.ok(['a', 'b'].every((id) => watch.seen(id)?.every((t) => t !== undefined)));
    await watch.close();
  });

  it('gives up at its bound when a peer never reports, leaving the transaction incomplete', async () => {
    const { watch, peers } = watchOf(2);
    peers[0]!.block('lost');
    await turn();
    await watch.settle(['lost'], 20);
    assert.deepEqual(
      watch.seen('lost')?.map((t) => t !== undefined),
      [true, false],
    );
    await watch.close();
  });

  it('reports a stream that fails or ends before close, and close() ends every stream and releases waiters', async () => {
    const { watch, peers } = watchOf(2);
    peers[1]!.fail(new Error('UNAVAILABLE: peer down'));
    await turn();
    assert.deepEqual(watch.errors, ['peer1: UNAVAILABLE: peer down']);
    const waiting = watch.settle(['never'], 3_600_000);
    await watch.close();
    await waiting;
    assert.ok(peers.every((p) => p.closedByWatch));
    assert.deepEqual(watch.errors, ['peer1: UNAVAILABLE: peer down'], 'ending at close() is no error');
  });

  it('remembers at most maxTracked transactions until cleared, counting the rest as not recorded', async () => {
    const { watch, peers } = watchOf(1, { maxTracked: 2 });
    peers[0]!.block('x', 'y', 'z');
    await turn();
    assert.deepEqual([watch.seen('x') !== undefined, watch.seen('z'), watch.notRecorded], [true, undefined, 1]);
    watch.clear();
    peers[0]!.block('z');
    await turn();
    assert.deepEqual([watch.seen('x'), watch.seen('z')?.length, watch.notRecorded], [undefined, 1, 0]);
    await watch.close();
  });
});
