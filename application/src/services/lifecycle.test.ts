import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '@isl/network';

interface Run {
  readonly code: number;
  readonly stderr: string;
}

/** Runs an npm script as an operator types it, against a scratch run folder (no network is started). */
function npmRun(args: readonly string[], runDir: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', ...args],
      { cwd: projectRoot, env: { ...process.env, ISL_RUN_DIR: runDir }, timeout: 60_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stderr });
      },
    );
  });
}

describe('one lifecycle command (application/dist/services/main.js behind npm start, status, stop, reset)', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-lifecycle-'));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('npm run reset stops and wipes the run folder', async () => {
    const runDir = join(scratch, 'consortium');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'ledger-marker'), 'x');
    const run = await npmRun(['reset'], runDir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(runDir), false, 'the run folder is gone');
    assert.match(run.stderr, /\[reset\] stopped and removed/);
  });

  it('npm stop stops without wiping the run folder', async () => {
    const runDir = join(scratch, 'consortium');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'ledger-marker'), 'x');
    const run = await npmRun(['stop'], runDir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(join(runDir, 'ledger-marker')), true, 'the ledgers stay');
    assert.match(run.stderr, /\[stop\] stopped/);
  });

  it('names every command when given another', async () => {
    const run = await new Promise<Run>((resolve) => {
      execFile('bash', ['scripts/run.sh', 'application/dist/services/main.js', 'restart'], { cwd: projectRoot, timeout: 60_000 }, (err, _stdout, stderr) => {
        resolve({ code: err ? 1 : 0, stderr });
      });
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /usage: main\.js up\|status\|stop\|reset \(got restart\)/);
  });
});
