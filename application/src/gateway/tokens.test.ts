import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStore } from './tokens';

describe('TokenStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-tokens-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an issued token, names its holder, and rejects anything else', () => {
    const store = new TokenStore(join(dir, 'tokens.json'));
    const token = store.issue('radiology-pacs');
    assert.equal(store.verify(token), 'radiology-pacs');
    assert.equal(store.verify(`${token}x`), undefined);
    assert.equal(store.verify(''), undefined);
  });

  it('stores only digests, mode 0600, and a new store reads them back', () => {
    const file = join(dir, 'tokens.json');
    const token = new TokenStore(file).issue('ehr');
    assert.ok(!readFileSync(file, 'utf8').includes(token), 'the token itself is not stored');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(new TokenStore(file).verify(token), 'ehr');
  });
});
