import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { nodeVersionOf } from '../runtime/project-node';
import type { Supervisor } from './supervisor';

/** One process of a run folder, as `npm run --silent status` reports it. */
export interface ProcessReport {
  readonly name: string;
  readonly pid: number | null;
  readonly running: boolean;
  /** The binary it runs (/proc/<pid>/exe), null when not running. */
  readonly executable: string | null;
  /** The Node version it runs on, for Node processes (chaincode servers, gateways, image sources); else null. */
  readonly node: string | null;
}

/**
 * Every process with a pid file in the run folder, with the binary the kernel
 * says it runs: the ground truth for "which Node does this service run on",
 * whatever its PATH or its parent said.
 */
export function reportProcesses(supervisor: Pick<Supervisor, 'names' | 'pid' | 'isRunning'>): ProcessReport[] {
  const versions = new Map<string, string | undefined>();
  return supervisor
    .names()
    .sort()
    .map((name) => {
      const pid = supervisor.pid(name) ?? null;
      const running = supervisor.isRunning(name);
      const executable = running && pid !== null ? executableOf(pid) : null;
      let node: string | null = null;
      if (executable !== null && basename(executable) === 'node') {
        if (!versions.has(executable)) {
          versions.set(executable, nodeVersionOf(executable));
        }
        node = versions.get(executable) ?? null;
      }
      return { name, pid, running, executable, node };
    });
}

function executableOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${String(pid)}/exe`);
  } catch {
    return null;
  }
}
