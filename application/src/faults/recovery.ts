import type { SentStatement } from './statement-load';

export interface Recovery {
  /** From the fault to the first acknowledged statement sent after it (ms); undefined if none was. */
  readonly firstCommitMs: number | undefined;
  /**
   * From the fault to throughput back at the offered rate: the start of the
   * first window (2 s, by send time) after the fault in which at least 90 % of
   * the statements sent were acknowledged, following one in which fewer were.
   * 0: it never dropped; undefined: it never came back.
   */
  readonly throughputBackMs: number | undefined;
}

const windowMs = 2_000;
const stepMs = 250;

/** Recovery times of one scenario from its statements' send and answer times. */
export function recoveryOf(sent: readonly SentStatement[], faultAt: number): Recovery {
  const after = sent.filter((s) => s.sentAt >= faultAt && s.answer.kind === 'acknowledged');
  const firstCommitMs = after.length === 0 ? undefined : Math.min(...after.map((s) => s.answeredAt)) - faultAt;
  const last = Math.max(0, ...sent.map((s) => s.sentAt));
  let dropped = false;
  for (let t = faultAt; t + windowMs <= last + 1; t += stepMs) {
    const inWindow = sent.filter((s) => s.sentAt >= t && s.sentAt < t + windowMs);
    if (inWindow.length === 0) continue;
    const healthy = inWindow.filter((s) => s.answer.kind === 'acknowledged').length >= 0.9 * inWindow.length;
    if (!healthy) dropped = true;
    else if (dropped) return { firstCommitMs, throughputBackMs: t - faultAt };
  }
  return { firstCommitMs, throughputBackMs: dropped ? undefined : 0 };
}
