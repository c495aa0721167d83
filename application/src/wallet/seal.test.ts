import { strict as assert } from 'node:assert';

import { isWalletError, type WalletErrorCode } from './errors';
import { SealKey, type ScryptParams } from './seal';

const FAST: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const PLAINTEXT = Buffer.from('{"masterSecret":"top secret contents"}');
const code = (expected: WalletErrorCode) => (err: unknown) => isWalletError(err, expected);

type Json = Record<string, unknown> & { kdf: Record<string, unknown>; cipher: Record<string, unknown> };
const edit = (text: string, change: (file: Json) => void): string => {
  const file = JSON.parse(text) as Json;
  change(file);
  return JSON.stringify(file);
};
const flipFirstByte = (b64: unknown): string => {
  const bytes = Buffer.from(String(b64), 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64url');
};

describe('wallet seal (scrypt + AES-256-GCM)', () => {
  let sealed: string;

  before(async () => {
    sealed = (await SealKey.create('correct horse', FAST)).seal(PLAINTEXT);
  });

  it('round-trips contents with the right passphrase', async () => {
    const { plaintext, key } = await SealKey.unseal(sealed, 'correct horse');
    assert.deepEqual(plaintext, PLAINTEXT);
    assert.deepEqual(key.params, FAST);
  });

  it('writes a versioned file with its KDF parameters and nothing in clear', () => {
    const file = JSON.parse(sealed) as Json;
    assert.equal(file.format, 'isl-wallet');
    assert.equal(file.version, 1);
    assert.deepEqual({ ...file.kdf, salt: undefined }, { name: 'scrypt', N: 2 ** 15, r: 8, p: 1, salt: undefined });
    assert.ok(!sealed.includes('secret'));
  });

  it('uses a fresh IV for every seal, and the returned key re-seals readably', async () => {
    const { key } = await SealKey.unseal(sealed, 'correct horse');
    const again = key.seal(PLAINTEXT);
    assert.notEqual((JSON.parse(again) as Json).cipher.iv, (JSON.parse(sealed) as Json).cipher.iv);
    assert.deepEqual((await SealKey.unseal(again, 'correct horse')).plaintext, PLAINTEXT);
  });

  it('normalizes the passphrase to NFC', async () => {
    const text = (await SealKey.create('caf\u00e9', FAST)).seal(PLAINTEXT);
    assert.deepEqual((await SealKey.unseal(text, 'cafe\u0301')).plaintext, PLAINTEXT);
  });

  it('fails with WRONG_PASSPHRASE for a wrong passphrase', async () => {
    await assert.rejects(SealKey.unseal(sealed, 'correct horsf'), code('WRONG_PASSPHRASE'));
  });

  for (const [what, change] of [
    [
      'ciphertext',
      (f: Json) => {
        f.ciphertext = flipFirstByte(f.ciphertext);
      },
    ],
    [
      'tag',
      (f: Json) => {
        f.cipher.tag = flipFirstByte(f.cipher.tag);
      },
    ],
    [
      'iv',
      (f: Json) => {
        f.cipher.iv = flipFirstByte(f.cipher.iv);
      },
    ],
    [
      'truncated ciphertext',
      (f: Json) => {
        f.ciphertext = String(f.ciphertext).slice(0, -4);
      },
    ],
  ] as const) {
    it(`fails with CORRUPT_WALLET for a tampered ${what}`, async () => {
      await assert.rejects(SealKey.unseal(edit(sealed, change), 'correct horse'), code('CORRUPT_WALLET'));
    });
  }

  it('cannot tell an altered salt from a wrong passphrase (WRONG_PASSPHRASE, never the plaintext)', async () => {
    const text = edit(sealed, (f) => {
      f.kdf.salt = flipFirstByte(f.kdf.salt);
    });
    await assert.rejects(SealKey.unseal(text, 'correct horse'), code('WRONG_PASSPHRASE'));
  });

  it('fails with CORRUPT_WALLET for a file that is not a wallet', async () => {
    await assert.rejects(SealKey.unseal('not json', 'x'), code('CORRUPT_WALLET'));
    await assert.rejects(SealKey.unseal('{}', 'x'), code('CORRUPT_WALLET'));
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          delete f.check;
        }),
        'correct horse',
      ),
      code('CORRUPT_WALLET'),
    );
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          f.extra = 1;
        }),
        'correct horse',
      ),
      code('CORRUPT_WALLET'),
    );
  });

  it('refuses a downgraded or absurd scrypt cost before running scrypt', async () => {
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          f.kdf.N = 2 ** 10;
        }),
        'correct horse',
      ),
      code('CORRUPT_WALLET'),
    );
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          f.kdf.N = 2 ** 30;
        }),
        'correct horse',
      ),
      code('CORRUPT_WALLET'),
    );
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          f.kdf.N = 3 * 2 ** 15;
        }),
        'correct horse',
      ),
      code('CORRUPT_WALLET'),
    );
  });

  it('reports a newer file version as UNSUPPORTED_VERSION', async () => {
    await assert.rejects(
      SealKey.unseal(
        edit(sealed, (f) => {
          f.version = 2;
        }),
        'correct horse',
      ),
      code('UNSUPPORTED_VERSION'),
    );
  });

  it('refuses weak parameters and an empty passphrase on create', async () => {
    await assert.rejects(SealKey.create('pw', { N: 2 ** 14, r: 8, p: 1 }), code('INVALID_ARGUMENT'));
    await assert.rejects(SealKey.create('', FAST), code('INVALID_ARGUMENT'));
  });
});
