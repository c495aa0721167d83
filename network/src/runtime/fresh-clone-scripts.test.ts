import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { projectRoot } from '../fabric-home';
import { pinnedNodeVersion, projectNodePath } from './project-node';

/**
 * npm start and npm test on a fresh clone: .tools/ does not exist when the
 * script starts, bootstrap.sh installs Node 24 on the way, and everything after
 * it must run on that Node, not on the machine's own (issue 11 item 17). The
 * real scripts run in a scratch root where bootstrap.sh and Node are stand-ins
 * that record how they were called; PATH holds no project Node, as in a fresh shell.
 */
describe('npm start and npm test on a fresh clone (scripts/start.sh, scripts/test.sh)', () => {
  let root: string;
  let calls: string;

  function write(path: string, text: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'isl-fresh-clone-'));
    calls = join(root, 'calls');
    writeFileSync(calls, '');
    copyFileSync(join(projectRoot, '.node-version'), join(root, '.node-version'));
    for (const script of ['env.sh', 'start.sh', 'test.sh', 'run.sh']) {
      write(join(root, 'scripts', script), readFileSync(join(projectRoot, 'scripts', script), 'utf8'));
    }
    // The stand-in for the Node bootstrap.sh installs: it answers the pinned version and records every run.
    const node = `#!/bin/sh\nif [ "$1" = --version ]; then echo ${pinnedNodeVersion()}; exit 0; fi\necho "project-node $*" >> ${calls}\n`;
    write(
      join(root, 'scripts', 'bootstrap.sh'),
      `#!/bin/sh\nset -e\nmkdir -p "${dirname(projectNodePath(root))}"\nprintf '%s' '${node}' > "${projectNodePath(root)}"\nchmod +x "${projectNodePath(root)}"\n`,
    );
    write(join(root, 'scripts', 'fabric', 'build.sh'), `#!/bin/sh\necho ${join(root, 'fabric')}\n`);
    // npx as a machine has it: it runs on whichever node PATH finds first, which it records.
    write(join(root, 'sys', 'npx'), `#!/bin/sh\necho "npx $* on $(node --version 2>/dev/null || echo none) at $(command -v node || echo none)" >> ${calls}\n`);
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs a script of the scratch root with PATH as a fresh shell has it: no project Node on it. */
  function runScript(script: string, args: readonly string[] = []): { status: number | null; stderr: string } {
    const path = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).filter((dir) => !dir.includes(join('.tools', 'node')));
    const result = spawnSync('bash', [join(root, 'scripts', script), ...args], {
      cwd: root,
      env: { PATH: [join(root, 'sys'), ...path].join(delimiter), HOME: root },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: result.status, stderr: result.stderr };
  }

  it('start.sh runs the consortium on the Node bootstrap.sh just installed', () => {
    const { status, stderr } = runScript('start.sh');
    assert.equal(status, 0, stderr);
    assert.equal(readFileSync(calls, 'utf8'), 'project-node application/dist/services/main.js up\n');
  });

  it('test.sh runs mocha (and so every service the tests start) on the Node bootstrap.sh just installed', () => {
    const { status, stderr } = runScript('test.sh', ['integration']);
    assert.equal(status, 0, stderr);
    assert.equal(readFileSync(calls, 'utf8'), `npx mocha --config .mocharc.integration.json on ${pinnedNodeVersion()} at ${projectNodePath(root)}\n`);
  });

  it('start.sh stops, naming the fix, when bootstrap.sh left no project Node, and starts nothing', () => {
    write(join(root, 'scripts', 'bootstrap.sh'), '#!/bin/sh\ntrue\n');
    const { status, stderr } = runScript('start.sh');
    assert.notEqual(status, 0);
    assert.match(stderr, new RegExp(`the project's Node ${pinnedNodeVersion().replaceAll('.', '\\.')} is not installed`));
    assert.equal(readFileSync(calls, 'utf8'), '');
  });
});
