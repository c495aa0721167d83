import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists and has not exited: signal 0 only
 * checks (EPERM means it exists but is not ours), and a zombie, which still
 * answers signal 0, counts as exited (/proc tells, on Linux).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
