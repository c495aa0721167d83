import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessMonitor, type GroupFigures } from '../procstat';

export interface OperationsOptions {
  readonly root: string;
  readonly runDir: string;
  readonly coldStart: boolean;
  readonly warmRestart: boolean;
  /** Base port of the throw-away consortium the cold start measures (its 300 ports must be free). */
  readonly coldBasePort: number;
  readonly idleS: number;
  readonly log: (m: string) => void;
}

export interface TimedCommand {
  readonly command: string;
  readonly seconds: number;
  /** What the command itself reported as its time (network up, without bootstrap checks), if it did. */
  readonly reportedS?: number;
  readonly ok: boolean;
}

export interface OperationsResult {
  readonly idle: Record<string, GroupFigures>;
  readonly coldStart?: TimedCommand;
  readonly warmStop?: TimedCommand;
  readonly warmStart?: TimedCommand;
}

/** Runs a project script bounded in time; resolves with its wall-clock time and output. */
function timed(root: string, args: string[], env: Record<string, string>, timeoutS: number): Promise<TimedCommand & { output: string }> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn('bash', args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const reported = /is up \((\d+(?:\.\d+)?) s\)/.exec(output)?.[1];
      resolve({
        command: `${Object.entries(env)
          .map(([k, v]) => `${k}=${v} `)
          .join('')}bash ${args.join(' ')}`,
        seconds: (performance.now() - t) / 1000,
        ...(reported ? { reportedS: Number(reported) } : {}),
        ok: code === 0,
        output,
      });
    });
  });
}

/**
 * Operations: RSS of the idle consortium; a cold start (a brand-new consortium
 * in a scratch run folder on other ports: crypto material, channel, chaincode
 * lifecycle, every process — then stopped and deleted); a warm restart of the
 * running one (npm stop, then npm start on its existing ledgers).
 */
export async function benchOperations(o: OperationsOptions): Promise<OperationsResult> {
  const monitor = new ProcessMonitor(o.runDir, 500);
  monitor.start();
  await new Promise((r) => setTimeout(r, o.idleS * 1000));
  const idle = monitor.stop();
  const result: { -readonly [K in keyof OperationsResult]: OperationsResult[K] } = { idle };

  if (o.coldStart) {
    const scratch = join(o.root, '.run', `bench-cold-${String(o.coldBasePort)}`);
    const env = { ISL_RUN_DIR: scratch, ISL_BASE_PORT: String(o.coldBasePort) };
    rmSync(scratch, { recursive: true, force: true });
    o.log(`cold start: a new consortium in ${scratch} on ports ${String(o.coldBasePort)}+`);
    try {
      const up = await timed(o.root, ['scripts/start.sh'], env, 600);
      if (!up.ok) o.log(`cold start failed:\n${up.output.slice(-2000)}`);
      result.coldStart = { command: up.command, seconds: up.seconds, ok: up.ok, ...(up.reportedS ? { reportedS: up.reportedS } : {}) };
    } finally {
      if (existsSync(scratch)) await timed(o.root, ['scripts/run.sh', 'application/dist/services/main.js', 'stop'], env, 300);
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  if (o.warmRestart) {
    o.log('warm restart: npm stop, then npm start on the existing ledgers');
    const stop = await timed(o.root, ['scripts/run.sh', 'application/dist/services/main.js', 'stop'], {}, 300);
    result.warmStop = { command: 'npm stop', seconds: stop.seconds, ok: stop.ok };
    const start = await timed(o.root, ['scripts/start.sh'], {}, 600);
    if (!start.ok) o.log(`warm start failed:\n${start.output.slice(-2000)}`);
    result.warmStart = { command: 'npm start', seconds: start.seconds, ok: start.ok, ...(start.reportedS ? { reportedS: start.reportedS } : {}) };
  }
  return result;
}
