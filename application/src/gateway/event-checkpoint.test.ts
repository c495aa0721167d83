import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { EventCheckpoint } from './event-checkpoint';

describe('EventCheckpoint', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-checkpoint-'));
    file = join(dir, 'events.checkpoint');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const saved = (): unknown => JSON.parse(readFileSync(file, 'utf8'));

  it("resumes from a checkpoint fabric-gateway's own file checkpointer wrote", async () => {
    const theirs = await checkpointers.file(file);
    await theirs.checkpointTransaction(41n, 'tx-a');
    const ours = new EventCheckpoint(file);
    assert.equal(ours.getBlockNumber(), 41n);
    assert.equal(ours.getTransactionId(), 'tx-a');
  });

  it('moves like fabric-gateway’s checkpointer: a block checkpoint points past the block, a transaction one inside it', async () => {
    const ours = new EventCheckpoint(file);
    const reference = checkpointers.inMemory();
    for (const c of [ours, reference]) {
      await c.checkpointTransaction(5n, 'tx-1');
      await c.checkpointBlock(5n);
    }
    assert.equal(ours.getBlockNumber(), reference.getBlockNumber());
    assert.equal(ours.getTransactionId(), reference.getTransactionId());
    assert.equal(ours.getBlockNumber(), 6n);
    assert.equal(ours.getTransactionId(), undefined);
  });

  it('keeps the position in memory at once and writes only the latest one, on flush', async () => {
    const ours = new EventCheckpoint(file, { flushIntervalMs: 60_000 });
    await ours.checkpointTransaction(7n, 'tx-1');
    await ours.checkpointTransaction(7n, 'tx-2');
    await ours.checkpointTransaction(8n, 'tx-3');
    assert.equal(ours.getTransactionId(), 'tx-3');
    assert.throws(() => readFileSync(file), /ENOENT/, 'nothing written before the interval or a flush');
    ours.flush();
    assert.deepEqual(saved(), { blockNumber: '8', transactionId: 'tx-3' });
    assert.equal(new EventCheckpoint(file).getTransactionId(), 'tx-3');
  });

  it('writes by itself once the interval has passed', async () => {
    const ours = new EventCheckpoint(file, { flushIntervalMs: 20 });
    await ours.checkpointTransaction(9n, 'tx-9');
    const deadline = Date.now() + 10_000;
    for (;;) {
      let content: unknown;
      try {
        content = saved();
      } catch {
        content = undefined;
      }
      if (content !== undefined) {
        assert.deepEqual(content, { blockNumber: '9', transactionId: 'tx-9' });
        break;
      }
      assert.ok(Date.now() < deadline, 'the checkpoint was not written within 10 s of a 20 ms interval');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  it('refuses a file that is not a checkpoint, naming it, rather than following from a wrong place', () => {
    writeFileSync(file, '{"blockNumber": "x1"');
    assert.throws(
      () => new EventCheckpoint(file),
      (err: Error) => err.message.includes(file) && /not JSON/.test(err.message),
    );
    writeFileSync(file, '{"blockNumber": "-1"}');
    assert.throws(() => new EventCheckpoint(file), /does not hold a block number/);
  });

  it('starts with no position when there is no file', () => {
    const ours = new EventCheckpoint(file);
    assert.equal(ours.getBlockNumber(), undefined);
    assert.equal(ours.getTransactionId(), undefined);
  });
});
