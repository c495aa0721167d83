import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitFor } from '@isl/network';
import { processAlive } from '@isl/platform';

/** Takes the lock file if free, or if the process that holds it is gone (a crash). */
function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx', 0o600);
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder: number;
  try {
    holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
  } catch {
    return false; // released meanwhile: try again at the next poll
  }
  // A holder that wrote no pid yet is alive (it is between open and write).
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !processAlive(holder)) {
    rmSync(lock, { force: true });
  }
  return false;
}

/**
 * Runs `critical` holding an exclusive lock file between processes of this
 * machine (O_EXCL create, holder's pid inside, stale locks of dead holders
 * taken over). Waits for the lock by polling, bounded by `timeoutMs`.
 */
export async function withFileLock<T>(lock: string, critical: () => T, timeoutMs = 10_000): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  await waitFor(`the lock ${lock}`, () => tryLock(lock), {
    timeoutMs,
    intervalMs: 10,
    hint: 'another process holds it; remove the file if no publishing is running',
  });
  try {
    return critical();
  } finally {
    rmSync(lock, { force: true });
  }
}
