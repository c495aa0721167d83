import { strict as assert } from 'node:assert';
import { mkdtempSync, realpathSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Layout } from '../layout';
import { projectNode, ProjectNodeError } from '../runtime/project-node';
import { Supervisor } from './supervisor';

describe('Supervisor', () => {
  let scratch: string;
  let supervisor: Supervisor;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-supervisor-'));
    supervisor = new Supervisor(new Layout(scratch));
  });

  afterEach(async () => {
    for (const name of supervisor.names()) {
      await supervisor.stop(name, 'SIGKILL');
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs a Node service on the project's Node, as /proc/<pid>/exe shows", async () => {
    const pid = supervisor.start({ name: 'svc', command: projectNode(), args: ['-e', 'setInterval(() => undefined, 1000)'], env: {} });
    assert.equal(readlinkSync(`/proc/${String(pid)}/exe`), realpathSync(projectNode()));
    assert.ok(supervisor.isRunning('svc'));
    await supervisor.stop('svc');
    assert.equal(supervisor.isRunning('svc'), false);
  });

  it('refuses to start a service on another Node, and starts nothing', () => {
    const foreign = join(scratch, 'node');
    symlinkSync('/bin/sh', foreign);
    assert.throws(() => supervisor.start({ name: 'svc', command: foreign, args: ['-c', 'sleep 60'], env: {} }), ProjectNodeError);
    assert.deepEqual(supervisor.names(), []);
  });
});
