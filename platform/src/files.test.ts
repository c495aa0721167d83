import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './files';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-files-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing folders, writes mode 0600, replaces the old contents and leaves no temp file', () => {
    const file = join(dir, 'a', 'b', 'state.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['state.json']);
  });

  it('leaves no temp file behind when the write fails', () => {
    // A rename onto a non-empty folder fails after the temp file was written.
    const occupied = join(dir, 'occupied');
    writeFileAtomic(join(occupied, 'inside'), 'kept');
    assert.throws(() => {
      writeFileAtomic(occupied, 'x');
    });
    assert.deepEqual(readdirSync(dir), ['occupied']);
    assert.equal(readFileSync(join(occupied, 'inside'), 'utf8'), 'kept');
  });
});
