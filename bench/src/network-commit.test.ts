import assert from 'node:assert/strict';
import { networkCommitFigures } from './network-commit';

describe('latency until committed on every peer', () => {
  const seen = new Map<string, (number | undefined)[]>([
    ['a', [110, 130, 120]],
    ['b', [205, 240, 260]],
    ['c', [300, undefined, 320]], // one peer never reported it
  ]);

  it('is the latest peer’s sighting minus the submit time, with the spread between the first and the last peer', () => {
    const f = networkCommitFigures(
      [
        { txId: 'a', submittedAt: 100 },
        { txId: 'b', submittedAt: 200 },
      ],
      (id) => seen.get(id),
      3,
      30,
    );
    assert.deepEqual([f.tracked, f.missing, f.peers, f.boundS], [2, 0, 3, 30]);
    assert.deepEqual([f.latencyMs.count, f.latencyMs.p50, f.latencyMs.max], [2, 30, 60]);
    assert.deepEqual([f.spreadMs.p50, f.spreadMs.max], [20, 55]);
    assert.equal(f.streamErrors, undefined);
  });

  it('counts a transaction a peer did not report, or no peer saw, as missing instead of dropping it', () => {
    const f = networkCommitFigures(
      [
        { txId: 'a', submittedAt: 100 },
        { txId: 'c', submittedAt: 290 },
        { txId: 'never', submittedAt: 400 },
      ],
      (id) => seen.get(id),
      3,
      30,
      ['peer1.hospital2: stream ended'],
    );
    assert.deepEqual([f.tracked, f.missing, f.latencyMs.count], [3, 2, 1]);
    assert.deepEqual(f.streamErrors, ['peer1.hospital2: stream ended']);
  });

  it('counts every transaction missing when no peer is watched', () => {
    const f = networkCommitFigures([{ txId: 'a', submittedAt: 100 }], (id) => seen.get(id), 0, 30);
    assert.deepEqual([f.tracked, f.missing, f.latencyMs.count], [1, 1, 0]);
  });
});
