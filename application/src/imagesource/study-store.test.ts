import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withFileLock } from './file-lock';
import { StudyStore, type StudyMapping } from './study-store';

const mapping = (reference: string, uid: string): StudyMapping => ({
  reference,
  studyInstanceUid: uid,
  state: 'pending',
  createdAt: '2026-11-21T00:00:00.000Z',
});

/** Runs `script` in another Node process with this file's StudyStore (through ts-node). */
function inChild(script: string): Promise<void> {
  const store = resolve(__dirname, 'study-store.ts');
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-e',
        `const { StudyStore } = require(${JSON.stringify(store)});\n(async () => { ${script} })().catch((e) => { console.error(e); process.exit(1); });`,
      ],
      { timeout: 60_000 },
      (err, _out, stderr) => {
        if (err) fail(new Error(`child failed: ${stderr}`));
        else done();
      },
    );
  });
}

describe('study store (reference → UID, shared by processes)', () => {
  let work: string;
  let file: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'isl-studies-'));
    file = join(work, 'studies.json');
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('claim keeps the first mapping made for a study, and put replaces by reference', async () => {
    const store = new StudyStore(file);
    const first = await store.claim(mapping('ref-a', '1.2.3'));
    const second = await store.claim(mapping('ref-b', '1.2.3'));
    assert.equal(first.reference, 'ref-a');
    assert.equal(second.reference, 'ref-a', 'the same study keeps its first reference');
    await store.put({ ...first, state: 'defined' });
    assert.deepEqual(
      store.all().map((s) => [s.reference, s.state]),
      [['ref-a', 'defined']],
    );
    assert.equal(existsSync(`${file}.lock`), false, 'the lock is released');
  });

  it('withdraws a pending study, never a defined one', async () => {
    const store = new StudyStore(file);
    await store.claim(mapping('ref-p', '1.2.5'));
    await store.put({ ...mapping('ref-d', '1.2.6'), state: 'defined' });
    assert.equal(await store.withdraw('ref-d'), 'defined');
    assert.equal(await store.withdraw('ref-p'), 'withdrawn');
    assert.equal(await store.withdraw('ref-p'), 'absent');
    assert.deepEqual(
      store.all().map((s) => s.reference),
      ['ref-d'],
    );
  });

  it('loses no mapping when four processes write at once, and maps a contested study once', async function () {
    this.timeout(120_000);
    const writers = [0, 1, 2, 3].map((w) =>
      inChild(`
        const store = new StudyStore(${JSON.stringify(file)});
        for (let i = 0; i < 25; i++) {
          await store.put({ reference: 'w${String(w)}-' + i, studyInstanceUid: '9.${String(w)}.' + i, state: 'pending', createdAt: new Date().toISOString() });
          await store.claim({ reference: 'contested-${String(w)}-' + i, studyInstanceUid: '7.7.' + i, state: 'pending', createdAt: new Date().toISOString() });
        }`),
    );
    await Promise.all(writers);
    const all = new StudyStore(file).all();
    assert.equal(all.filter((s) => s.reference.startsWith('w')).length, 100, 'every put survived');
    const contested = all.filter((s) => s.studyInstanceUid.startsWith('7.7.'));
    assert.equal(contested.length, 25, 'each contested study was mapped exactly once');
    assert.equal(new Set(contested.map((s) => s.studyInstanceUid)).size, 25);
  });

  it('takes over the lock of a process that died holding it', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${file}.lock`, String(dead));
    await new StudyStore(file).put(mapping('ref-c', '1.2.4'));
    assert.equal(new StudyStore(file).byReference('ref-c')?.studyInstanceUid, '1.2.4');
  });

  it('waits a bounded time for a lock a live process holds, and names the lock', async () => {
    writeFileSync(`${file}.lock`, String(process.ppid));
    await assert.rejects(
      withFileLock(`${file}.lock`, () => 'got it', 300),
      (err: Error) => err.message.includes(`${file}.lock`) && err.message.includes('timed out'),
    );
    assert.equal(existsSync(`${file}.lock`), true, "a live holder's lock is left alone");
  });
});
