import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '@isl/platform';
import type { Layout } from '../layout';
import { assertProjectNodeCommand } from '../runtime/project-node';
import { waitFor } from './wait';

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/**
 * Where a supervisor's processes run: a member's own host. Wraps a command
 * line so the process runs there (e.g. `ip netns exec <namespace> …`, which
 * execs in place: the pid stays the process's own). Absent: this machine.
 */
export interface Placement {
  command(command: string, args: readonly string[]): { readonly command: string; readonly args: readonly string[] };
}

/** What services need of a supervisor (structural, so tests and builds can share one). */
export interface ProcessSupervisor {
  start(options: StartOptions): number;
  stop(name: string, signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  isRunning(name: string): boolean;
  logOf(name: string): string;
}

/**
 * Starts and stops the network's processes. Each runs detached in its own
 * process group, with its output in logs/<name>.log and its pid in
 * pids/<name>.pid, so `npm stop` finds it from another shell.
 */
export class Supervisor implements ProcessSupervisor {
  readonly #layout: Layout;
  readonly #placement: Placement | undefined;

  constructor(layout: Layout, placement?: Placement) {
    this.#layout = layout;
    this.#placement = placement;
  }

  pid(name: string): number | undefined {
    const file = this.#layout.pid(name);
    if (!existsSync(file)) {
      return undefined;
    }
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Names of every process with a pid file in this run folder. */
  names(): string[] {
    if (!existsSync(this.#layout.pids)) {
      return [];
    }
    return readdirSync(this.#layout.pids)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -'.pid'.length));
  }

  isRunning(name: string): boolean {
    const pid = this.pid(name);
    return pid !== undefined && processAlive(pid);
  }

  /** Starts the process unless it runs; a Node binary other than the project's is refused (ProjectNodeError). */
  start(options: StartOptions): number {
    assertProjectNodeCommand(options.command);
    if (this.isRunning(options.name)) {
      const pid = this.pid(options.name);
      if (pid !== undefined) {
        return pid;
      }
    }
    const log = this.#layout.log(options.name);
    mkdirSync(dirname(log), { recursive: true });
    mkdirSync(this.#layout.pids, { recursive: true });
    const fd = openSync(log, 'a');
    try {
      const line = this.#placement ? this.#placement.command(options.command, options.args) : options;
      const child = spawn(line.command, line.args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      if (child.pid === undefined) {
        throw new Error(`${options.name}: could not start ${options.command} (see ${log})`);
      }
      child.unref();
      writeFileSync(this.#layout.pid(options.name), String(child.pid));
      return child.pid;
    } finally {
      closeSync(fd);
    }
  }

  /** Sends `signal` to the process group; waits (bounded) for it to exit when asked to stop. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const pid = this.pid(name);
    if (pid === undefined) {
      return;
    }
    signalGroup(pid, signal);
    if (signal !== 'SIGKILL') {
      try {
        await waitFor(`${name} (pid ${String(pid)}) to exit after ${signal}`, () => !processAlive(pid), { timeoutMs });
      } catch {
        signalGroup(pid, 'SIGKILL');
      }
    }
    await waitFor(`${name} (pid ${String(pid)}) to exit`, () => !processAlive(pid), { timeoutMs: 5_000 });
    rmSync(this.#layout.pid(name), { force: true });
  }

  /** SIGKILLs the process at once (failure tests), leaving its pid file for the record. */
  async kill(name: string): Promise<void> {
    await this.stop(name, 'SIGKILL');
  }

  logOf(name: string): string {
    return this.#layout.log(name);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw err;
    }
  }
}
