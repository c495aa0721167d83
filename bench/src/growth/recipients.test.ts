import assert from 'node:assert/strict';
import { Id32 } from '@isl/chaincode';
import { recipientId, studyIndex } from './recipients';

describe('growth: recipients', () => {
  it('are ledger ids, the same for the same seed and index, distinct otherwise', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => recipientId('seed', i));
    for (const id of ids) assert.ok(Id32.safeParse(id).success, id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(recipientId('seed', 7), ids[7]);
    assert.notEqual(recipientId('other', 7), ids[7]);
  });

  it('spread grants evenly over the studies', () => {
    const counts = new Array<number>(30).fill(0);
    for (let i = 0; i < 3000; i++) counts[studyIndex(i, 30)] = (counts[studyIndex(i, 30)] ?? 0) + 1;
    assert.deepEqual(new Set(counts), new Set([100]));
  });
});
