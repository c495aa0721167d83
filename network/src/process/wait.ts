import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Added to the error, e.g. "see .run/x/logs/peer0.log". */
  readonly hint?: string;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, last: unknown, hint?: string) {
    const reason = last instanceof Error ? `: last error: ${last.message}` : '';
    super(`timed out after ${String(timeoutMs)} ms waiting for ${what}${reason}${hint ? ` (${hint})` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Polls `check` until it returns true (or a non-false value), bounded by
 * `timeoutMs`; never a fixed sleep. The error names what did not come.
 */
export async function waitFor<T>(what: string, check: () => T | false | Promise<T | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(what, timeoutMs, last, options.hint);
    }
    await delay(intervalMs);
  }
}
