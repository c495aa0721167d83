import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isWalletError } from './errors';
import { defaultWalletPath, WalletStore } from './wallet-store';

describe('wallet store', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'isl-wallet-store-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to $ISL_WALLET, else ~/.isl/wallet.json', () => {
    assert.equal(defaultWalletPath({ ISL_WALLET: '/x/w.json' }, '/home/p'), '/x/w.json');
    assert.equal(defaultWalletPath({}, '/home/p'), '/home/p/.isl/wallet.json');
    assert.equal(defaultWalletPath({ ISL_WALLET: '' }, '/home/p'), '/home/p/.isl/wallet.json');
    assert.equal(new WalletStore({ env: {}, homeDir: '/home/q' }).path, '/home/q/.isl/wallet.json');
    assert.equal(new WalletStore({ path: '/y/w.json', env: { ISL_WALLET: '/x/w.json' } }).path, '/y/w.json');
  });

  it('creates missing directories and writes the file with mode 0600, leaving no temp files', async () => {
    const store = new WalletStore({ path: join(dir, 'nested', 'wallet.json') });
    assert.equal(await store.exists(), false);
    await store.write('one');
    await store.write('two');
    assert.equal(await store.read(), 'two');
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'nested'))).mode & 0o077, 0);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['wallet.json']);
  });

  it('tightens the mode of a replaced world-readable file', async () => {
    const path = join(dir, 'wallet.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await new WalletStore({ path }).write('new');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('create() refuses to overwrite an existing wallet and leaves it intact', async () => {
    const store = new WalletStore({ path: join(dir, 'wallet.json') });
    await store.create('first');
    await assert.rejects(store.create('second'), (err) => isWalletError(err, 'WALLET_EXISTS'));
    assert.equal(await readFile(store.path, 'utf8'), 'first');
    assert.deepEqual(await readdir(dir), ['wallet.json']);
  });

  it('read() of a missing file fails with WALLET_NOT_FOUND', async () => {
    await assert.rejects(new WalletStore({ path: join(dir, 'none.json') }).read(), (err) => isWalletError(err, 'WALLET_NOT_FOUND'));
  });
});
