import { execFile } from 'node:child_process';

export class CommandError extends Error {
  readonly stderr: string;
  constructor(command: string, code: number | string | null, stderr: string) {
    super(`${command} failed (exit ${String(code)}): ${stderr.trim().split('\n').slice(-5).join('\n')}`);
    this.name = 'CommandError';
    this.stderr = stderr;
  }
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a command to completion (bounded), returning stdout; fails with its stderr. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: options.env ? { ...options.env } : process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const name = `${command.split('/').pop() ?? command} ${args.slice(0, 3).join(' ')}`;
          reject(new CommandError(name, err.code ?? err.signal ?? null, `${stderr}${stdout}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}
