import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * CPU and RSS per process group of the running consortium, read from /proc.
 * Every node runs in its own process group whose leader's pid is in
 * its member's home, `<runDir>/members/<org>/pids/<name>.pid`; a group's figures are the sum over every process
 * in that group (e.g. Orthanc's threads are one process, fabric-shim's one).
 */

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_KB = 4;

interface ProcSample {
  readonly pgid: number;
  readonly ticks: number;
  readonly rssKb: number;
}

/** The kind of node a pid file names: `peer0.hospital1` → `peer`, `chaincode.peer0.hospital1` → `chaincode`. */
function groupKind(name: string): string {
  return (name.split('.')[0] ?? name).replace(/\d+$/, '');
}

export function consortiumGroups(runDir: string): Map<string, number> {
  const groups = new Map<string, number>();
  const members = join(runDir, 'members');
  for (const member of readdirSync(members)) {
    const dir = join(members, member, 'pids');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.pid'))) {
      const pid = Number.parseInt(readFileSync(join(dir, file), 'utf8').trim(), 10);
      if (Number.isSafeInteger(pid)) groups.set(basename(file, '.pid'), pid);
    }
  }
  return groups;
}

function readProcesses(): ProcSample[] {
  const out: ProcSample[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgid = Number(f[2]);
      const ticks = Number(f[11]) + Number(f[12]);
      const rssKb = Number(f[21]) * PAGE_KB;
      out.push({ pgid, ticks, rssKb });
    } catch {
      // The process ended while we read /proc.
    }
  }
  return out;
}

export interface GroupFigures {
  /** CPU over the window, % of one core. */
  readonly cpuPercent: number;
  readonly rssMeanMb: number;
  readonly rssPeakMb: number;
}

/** Samples the consortium's groups (and this process) over a measured window. */
export class ProcessMonitor {
  readonly #groups: Map<string, number>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #startTicks = new Map<string, number>();
  #startedAt = 0;
  #selfStart = process.cpuUsage();
  readonly #rss = new Map<string, number[]>();

  constructor(runDir: string, intervalMs = 1000) {
    this.#groups = consortiumGroups(runDir);
    this.#intervalMs = intervalMs;
  }

  /** The current totals by group name (ticks, RSS kB). */
  #snapshot(): Map<string, { ticks: number; rssKb: number }> {
    const byPgid = new Map<number, { ticks: number; rssKb: number }>();
    for (const p of readProcesses()) {
      const t = byPgid.get(p.pgid) ?? { ticks: 0, rssKb: 0 };
      t.ticks += p.ticks;
      t.rssKb += p.rssKb;
      byPgid.set(p.pgid, t);
    }
    const out = new Map<string, { ticks: number; rssKb: number }>();
    for (const [name, pgid] of this.#groups) out.set(name, byPgid.get(pgid) ?? { ticks: 0, rssKb: 0 });
    out.set('bench', { ticks: 0, rssKb: process.memoryUsage.rss() / 1024 });
    return out;
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#selfStart = process.cpuUsage();
    this.#rss.clear();
    const snap = this.#snapshot();
    this.#startTicks = new Map([...snap].map(([k, v]) => [k, v.ticks]));
    this.#record(snap);
    this.#timer = setInterval(() => {
      this.#record(this.#snapshot());
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #record(snap: Map<string, { ticks: number; rssKb: number }>): void {
    for (const [name, v] of snap) {
      const list = this.#rss.get(name) ?? [];
      list.push(v.rssKb / 1024);
      this.#rss.set(name, list);
    }
  }

  /** Stops sampling; figures per group kind (peer, orderer, chaincode, gateway, ...) and in total. */
  stop(): Record<string, GroupFigures> {
    if (this.#timer) clearInterval(this.#timer);
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const end = this.#snapshot();
    this.#record(end);
    const kinds = new Map<string, { ticks: number; rssMean: number; rssPeak: number }>();
    const add = (kind: string, ticks: number, mean: number, peak: number): void => {
      const k = kinds.get(kind) ?? { ticks: 0, rssMean: 0, rssPeak: 0 };
      k.ticks += ticks;
      k.rssMean += mean;
      k.rssPeak += peak;
      kinds.set(kind, k);
    };
    for (const [name, v] of end) {
      const samples = this.#rss.get(name) ?? [];
      const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
      const peak = Math.max(0, ...samples);
      const ticks = name === 'bench' ? this.#selfTicks() : v.ticks - (this.#startTicks.get(name) ?? v.ticks);
      add(name === 'bench' ? 'bench (load generator)' : groupKind(name), ticks, mean, peak);
      if (name !== 'bench') add('consortium total', ticks, mean, peak);
    }
    const result: Record<string, GroupFigures> = {};
    for (const [kind, k] of kinds) {
      result[kind] = { cpuPercent: (k.ticks / CLOCK_TICKS / seconds) * 100, rssMeanMb: k.rssMean, rssPeakMb: k.rssPeak };
    }
    return result;
  }

  #selfTicks(): number {
    const u = process.cpuUsage(this.#selfStart);
    return ((u.user + u.system) / 1e6) * CLOCK_TICKS;
  }
}

/** RSS (MB) of one process group now, e.g. the image source while it streams a study. */
export function groupRssMb(pgid: number): number {
  let kb = 0;
  for (const p of readProcesses()) if (p.pgid === pgid) kb += p.rssKb;
  return kb / 1024;
}

/** CPU time (ms, user + system) a process group has used so far: around a run, what the run cost that group. */
export function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const p of readProcesses()) if (p.pgid === pgid) ticks += p.ticks;
  return (ticks / CLOCK_TICKS) * 1000;
}
