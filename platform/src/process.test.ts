import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { processAlive } from './process';

describe('processAlive', () => {
  it('is true for this process and for init (which may not be ours: EPERM still means it exists)', () => {
    assert.equal(processAlive(process.pid), true);
    assert.equal(processAlive(1), true);
  });

  it('is false for a process that has exited and been reaped', () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    assert.equal(child.status, 0);
    assert.equal(processAlive(child.pid), false);
  });
});
