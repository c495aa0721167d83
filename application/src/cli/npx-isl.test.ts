import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from '@isl/network';

/** The ways README.md runs the CLI from a clone (issue 11 item 16). */
describe('isl from the clone', () => {
  it("`npx isl --help` runs the project's isl (the root package.json's bin)", () => {
    // --no-install: resolve locally or fail, never fetch a stranger's "isl" from the registry.
    const r = spawnSync('npx', ['--no-install', 'isl', '--help'], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: isl /);
    assert.equal((JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin?.isl, 'scripts/isl');
  });

  it("`scripts/isl --help` runs on the project's Node from a shell whose PATH has none", () => {
    const path = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).filter((dir) => !dir.includes(join('.tools', 'node')));
    const r = spawnSync(join(projectRoot, 'scripts', 'isl'), ['--help'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: path.join(delimiter), HOME: process.env.HOME ?? '/tmp' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: isl /);
  });
});
