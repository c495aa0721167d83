import { strict as assert } from 'node:assert';
import type { BlockTransaction, DecodedBlock } from './block-reader';
import { type BlockSource, DisclosureDays, dayRange } from './disclosure-days';

const at = (iso: string): number => Date.parse(iso);

function tx(fn: string, timestamp: string, extra: Partial<BlockTransaction> = {}): BlockTransaction {
  return {
    txId: `${fn}-${timestamp}`,
    type: 'ENDORSER_TRANSACTION',
    chaincode: 'isl',
    fn,
    creator: { mspId: 'Hospital1MSP', name: 'gateway' },
    timestampMs: at(timestamp),
    endorsers: [],
    validation: 'VALID',
    validationCode: 0,
    ...extra,
  };
}

/** A chain whose blocks are given, counting every block read. */
class Chain implements BlockSource {
  readonly blocks: BlockTransaction[][] = [];
  readonly reads: number[] = [];
  failAt: number | undefined;
  height(): Promise<number> {
    return Promise.resolve(this.blocks.length);
  }
  block(number: number): Promise<DecodedBlock> {
    if (number === this.failAt) return Promise.reject(new Error('peer gone'));
    this.reads.push(number);
    return Promise.resolve({ number, signer: undefined, transactions: this.blocks[number] ?? [] });
  }
}

describe('disclosures per day, counted from the blocks', () => {
  it('counts valid RecordDisclosure transactions of the chaincode on the UTC day of their timestamp, and nothing else', async () => {
    const chain = new Chain();
    chain.blocks.push(
      [tx('RecordDisclosure', '2026-03-01T23:59:59.999Z'), tx('AllowAccess', '2026-03-01T10:00:00Z')],
      [
        tx('RecordDisclosure', '2026-03-02T00:00:00.000Z'),
        tx('ImageSharingLedger:RecordDisclosure', '2026-03-02T12:00:00Z'),
        // Invalidated by the peers: nothing was recorded.
        tx('RecordDisclosure', '2026-03-02T13:00:00Z', { validation: 'MVCC_READ_CONFLICT', validationCode: 11 }),
        // Another chaincode's function of the same name.
        tx('RecordDisclosure', '2026-03-02T14:00:00Z', { chaincode: 'other' }),
      ],
      [tx('RecordDisclosure', '2026-03-04T08:00:00Z')],
    );
    const answer = await new DisclosureDays(chain, 'imaging', 'isl').between({ from: '2026-03-01', to: '2026-03-04' });
    assert.deepEqual(answer, {
      channel: 'imaging',
      chaincode: 'isl',
      from: '2026-03-01',
      to: '2026-03-04',
      toBlock: 3,
      total: 4,
      days: [
        { day: '2026-03-01', disclosures: 1 },
        { day: '2026-03-02', disclosures: 2 },
        { day: '2026-03-03', disclosures: 0 },
        { day: '2026-03-04', disclosures: 1 },
      ],
    });
  });

  it('reads each block once: a later call reads only the blocks committed since, and a failed read is neither lost nor counted twice', async () => {
    const chain = new Chain();
    chain.blocks.push([tx('RecordDisclosure', '2026-03-01T01:00:00Z')], [tx('RecordDisclosure', '2026-03-01T02:00:00Z')]);
    const days = new DisclosureDays(chain, 'imaging', 'isl');
    const range = { from: '2026-03-01', to: '2026-03-01' };
    assert.equal((await days.between(range)).total, 2);
    chain.blocks.push([tx('RecordDisclosure', '2026-03-01T03:00:00Z')], [tx('RecordDisclosure', '2026-03-01T04:00:00Z')]);
    chain.failAt = 3;
    await assert.rejects(days.between(range), /peer gone/);
    chain.failAt = undefined;
    // Two callers at once share the reading.
    const [a, b] = await Promise.all([days.between(range), days.between(range)]);
    assert.equal(a.total, 4);
    assert.equal(b.total, 4);
    assert.equal(a.toBlock, 4);
    assert.deepEqual(chain.reads, [0, 1, 2, 3]);
  });

  describe('dayRange', () => {
    const now = at('2026-11-25T23:30:00Z');
    it('defaults to the 30 days ending today (UTC)', () => {
      assert.deepEqual(dayRange(undefined, undefined, now), { from: '2026-10-27', to: '2026-11-25' });
      assert.deepEqual(dayRange(undefined, '2026-01-30', now), { from: '2026-01-01', to: '2026-01-30' });
      assert.deepEqual(dayRange('2026-11-25', undefined, now), { from: '2026-11-25', to: '2026-11-25' });
    });
    it('takes up to 366 days, and refuses more, a reversed range and days that do not exist, saying which', () => {
      assert.deepEqual(dayRange('2024-01-01', '2024-12-31', now), { from: '2024-01-01', to: '2024-12-31' });
      assert.match(dayRange('2024-01-01', '2025-01-01', now) as string, /at most 366 days/);
      assert.match(dayRange('2026-03-02', '2026-03-01', now) as string, /from \(2026-03-02\) is after to \(2026-03-01\)/);
      assert.match(dayRange('2026-02-30', undefined, now) as string, /^from must be a UTC day/);
      assert.match(dayRange(undefined, '2026-13-01', now) as string, /^to must be a UTC day/);
      assert.match(dayRange('0000-00-00', '2026-01-01', now) as string, /^from must be a UTC day/);
    });
  });
});
