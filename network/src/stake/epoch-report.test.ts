import assert from 'node:assert/strict';
import { describeEpochReport, epochReport, type StakeActivity } from './epoch-report';

const activity = (org: string, studiesSince: number, usedSince: number): StakeActivity => ({ org, studies: studiesSince, studiesSince, usedSince });

describe('epoch report', () => {
  it('shows each organisation before and after the last epoch, with its share and the use of its new studies', () => {
    const report = epochReport({
      previous: { sequence: 3, recordedAt: '2025-01-15T12:00:00.000Z', stakes: { A: 6, B: 4 } },
      stakes: { A: 7, B: 5 },
      activity: [activity('A', 1, 1), activity('B', 1, 0)],
    });
    assert.equal(report.previousSequence, 3);
    assert.equal(report.since, '2025-01-15T12:00:00.000Z');
    assert.deepEqual(
      report.organisations.map((o) => [o.org, o.before, o.after, o.added, o.sharePercentBefore, o.sharePercentAfter, o.newStudies, o.usedNewStudies]),
      [
        ['A', 6, 7, 1, 60, 58.33, 1, 1],
        ['B', 4, 5, 1, 40, 41.67, 1, 0],
      ],
    );
    assert.deepEqual(report.flagged, []);
  });

  it('flags UNUSED_GROWTH when fewer than 25% of at least 10 new studies were granted or released', () => {
    const report = epochReport({
      previous: undefined,
      stakes: { A: 10, B: 20, C: 9, D: 10 },
      activity: [activity('A', 10, 2), activity('B', 20, 5), activity('C', 9, 0), activity('D', 10, 3)],
    });
    const flags = Object.fromEntries(report.organisations.map((o) => [o.org, o.flags.map((f) => f.code)]));
    // A: 20% < 25%; B: exactly 25% is enough; C: too few to judge; D: 30%.
    assert.deepEqual(flags, { A: ['UNUSED_GROWTH'], B: [], C: [], D: [] });
    assert.deepEqual(report.flagged, ['A']);
    assert.match(report.organisations[0]?.flags[0]?.detail ?? '', /2 of 10 new studies/);
  });

  it('flags SHARE_JUMP when a share of all stake rose by more than 10 points, exactly at the boundary', () => {
    const jump = epochReport({
      previous: { sequence: 1, recordedAt: '2025-01-01T00:00:00.000Z', stakes: { A: 50, B: 50 } },
      stakes: { A: 50, B: 80 },
      activity: [],
    });
    assert.deepEqual(jump.flagged, ['B']);
    // 50% → 60% is +10 points exactly: not more than 10.
    const edge = epochReport({
      previous: { sequence: 1, recordedAt: '2025-01-01T00:00:00.000Z', stakes: { A: 1, B: 1 } },
      stakes: { A: 2, B: 3 },
      activity: [],
    });
    assert.deepEqual(edge.flagged, []);
    // Without a previous epoch there is no share to compare.
    assert.deepEqual(epochReport({ previous: undefined, stakes: { A: 1, B: 99 }, activity: [] }).flagged, []);
    // A member that joined since the last epoch starts from 0.
    const joined = epochReport({ previous: { sequence: 1, recordedAt: '2025-01-01T00:00:00.000Z', stakes: { A: 10 } }, stakes: { A: 10, C: 5 }, activity: [] });
    assert.deepEqual(
      joined.organisations.find((o) => o.org === 'C')?.flags.map((f) => f.code),
      ['SHARE_JUMP'],
    );
  });

  it('honours other rules, counts only members, and reads no figures it was not given', () => {
    const report = epochReport({
      previous: undefined,
      stakes: { A: 3, B: 0 },
      activity: [activity('A', 3, 0), activity('Gone', 50, 0)],
      rules: { minNewStudies: 1, minUsedPercent: 50, maxShareGainPoints: 10 },
    });
    assert.deepEqual(
      report.organisations.map((o) => o.org),
      ['A', 'B'],
    );
    assert.deepEqual(report.flagged, ['A']);
    assert.equal(report.organisations[1]?.sharePercentAfter, 0);
    assert.equal(epochReport({ previous: undefined, stakes: { A: 0 }, activity: [] }).organisations[0]?.sharePercentAfter, 0);
  });

  it('describes flagged organisations and how to decline', () => {
    const text = describeEpochReport(epochReport({ previous: undefined, stakes: { A: 10 }, activity: [activity('A', 10, 0)] }));
    assert.match(text, /no epoch recorded yet/);
    assert.match(text, /UNUSED_GROWTH: 0 of 10/);
    assert.match(text, /FLAGGED: A .*--refuse/);
  });
});
