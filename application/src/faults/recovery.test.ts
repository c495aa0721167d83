import { strict as assert } from 'node:assert';
import type { AnswerKind } from './answer';
import { recoveryOf } from './recovery';
import type { SentStatement } from './statement-load';

/** One statement per 100 ms from t=0 to `endMs`, answered 50 ms later, acknowledged unless `failing(t)`. */
function load(endMs: number, failing: (t: number) => boolean): SentStatement[] {
  const out: SentStatement[] = [];
  for (let t = 0, i = 0; t < endMs; t += 100, i++) {
    const kind: AnswerKind = failing(t) ? 'retry-later' : 'acknowledged';
    out.push({ index: i, gateway: 'g', sentAt: t, answeredAt: t + 50, answer: { kind }, statement: '', source: '', study: '', recipient: '' });
  }
  return out;
}

describe('recovery times (fault harness)', () => {
  it('measures from the fault to the first acknowledged statement sent after it, and to throughput back', () => {
    // Fault at 5 s; nothing acknowledged from 5 s to 8 s.
    const r = recoveryOf(
      load(20_000, (t) => t >= 5_000 && t < 8_000),
      5_000,
    );
    assert.equal(r.firstCommitMs, 3_050);
    // The first 2 s window with ≥ 90 % acknowledged starts at 7.8 s (8.0 s acknowledged, 7.8–7.9 s not: 18 of 20).
    assert.equal(r.throughputBackMs, 2_750);
  });

  it('says 0 when the throughput never dropped, undefined when it never came back', () => {
    assert.equal(
      recoveryOf(
        load(10_000, () => false),
        2_000,
      ).throughputBackMs,
      0,
    );
    const never = recoveryOf(
      load(10_000, (t) => t >= 2_000),
      2_000,
    );
    assert.deepEqual(never, { firstCommitMs: undefined, throughputBackMs: undefined });
  });
});
