import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Layout } from '../layout';
import { projectNode } from '../runtime/project-node';
import { Supervisor } from './supervisor';
import { SupervisorSet } from './supervisor-set';

describe('SupervisorSet', () => {
  let scratch: string;
  let set: SupervisorSet;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-supervisor-set-'));
    set = new SupervisorSet(
      new Map([
        ['hospital1', new Supervisor(new Layout(join(scratch, 'hospital1')))],
        ['hospital2', new Supervisor(new Layout(join(scratch, 'hospital2')))],
      ]),
    );
  });

  afterEach(async () => {
    for (const name of set.names()) {
      await set.stop(name, 'SIGKILL');
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs each process from its organisation's home: pid file and log there, none in the other's", async () => {
    set.start({ name: 'svc.hospital2', command: projectNode(), args: ['-e', 'setInterval(() => undefined, 1000)'], env: {} });
    assert.ok(existsSync(join(scratch, 'hospital2', 'pids', 'svc.hospital2.pid')));
    assert.equal(existsSync(join(scratch, 'hospital1', 'pids')), false);
    assert.equal(set.logOf('svc.hospital2'), join(scratch, 'hospital2', 'logs', 'svc.hospital2.log'));
    assert.deepEqual(set.names(), ['svc.hospital2']);
    assert.ok(set.isRunning('svc.hospital2'));
    await set.stop('svc.hospital2');
    assert.equal(set.isRunning('svc.hospital2'), false);
  });

  it('refuses a process name that names no organisation of the set, and starts nothing', () => {
    assert.throws(() => set.start({ name: 'svc.hospital9', command: projectNode(), args: [], env: {} }), /svc\.hospital9 names no organisation/);
    assert.deepEqual(set.names(), []);
  });
});
