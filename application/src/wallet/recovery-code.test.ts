import { strict as assert } from 'node:assert';
import fc from 'fast-check';

import { isWalletError } from './errors';
import { decodeRecoveryCode, encodeRecoveryCode } from './recovery-code';

const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET = Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex');
const invalid = (err: unknown) => isWalletError(err, 'INVALID_RECOVERY_CODE');

describe('wallet recovery code', () => {
  it('round-trips any master secret (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const code = encodeRecoveryCode(secret);
        assert.match(code, /^([0-9A-HJKMNP-TV-Z]{5}-){11}[0-9A-HJKMNP-TV-Z]{5}$/);
        assert.deepEqual(decodeRecoveryCode(code), secret);
      }),
    );
  });

  it('tolerates lower case, spaces, missing dashes and look-alike letters', () => {
    const code = encodeRecoveryCode(SECRET);
    const sloppy = code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    assert.deepEqual(Buffer.from(decodeRecoveryCode(sloppy)), SECRET);
    assert.deepEqual(Buffer.from(decodeRecoveryCode(code.replace(/-/g, ''))), SECRET);
  });

  it('catches every single-symbol typo', () => {
    const symbols = encodeRecoveryCode(SECRET).replace(/-/g, '');
    for (let i = 0; i < symbols.length; i++) {
      for (const replacement of SYMBOLS) {
        if (replacement === symbols[i]) continue;
        const typo = symbols.slice(0, i) + replacement + symbols.slice(i + 1);
        assert.throws(() => decodeRecoveryCode(typo), invalid, `typo at ${i} -> ${replacement} not caught`);
      }
    }
  });

  it('catches every swap of two adjacent different symbols', () => {
    const symbols = encodeRecoveryCode(SECRET).replace(/-/g, '');
    for (let i = 0; i + 1 < symbols.length; i++) {
      if (symbols[i] === symbols[i + 1]) continue;
      const swapped = symbols.slice(0, i) + (symbols[i + 1] ?? '') + (symbols[i] ?? '') + symbols.slice(i + 2);
      assert.throws(() => decodeRecoveryCode(swapped), invalid, `swap at ${i} not caught`);
    }
  });

  it('rejects a dropped symbol, an extra symbol and a foreign character', () => {
    const code = encodeRecoveryCode(SECRET);
    assert.throws(() => decodeRecoveryCode(code.slice(1)), invalid);
    assert.throws(() => decodeRecoveryCode(`${code}0`), invalid);
    assert.throws(() => decodeRecoveryCode(code.replace(/.$/, 'U')), invalid);
  });

  it('refuses to encode a secret of the wrong size', () => {
    assert.throws(
      () => encodeRecoveryCode(Buffer.alloc(16)),
      (err) => isWalletError(err, 'INVALID_ARGUMENT'),
    );
  });
});
