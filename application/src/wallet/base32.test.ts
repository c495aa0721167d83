import { strict as assert } from 'node:assert';
import fc from 'fast-check';

import { decodeBase32, encodeBase32 } from './base32';

describe('wallet base32 (Crockford)', () => {
  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = encodeBase32(bytes);
        assert.match(text, /^[0-9A-HJKMNP-TV-Z]*$/);
        assert.deepEqual(decodeBase32(text, bytes.length), bytes);
        assert.deepEqual(decodeBase32(text.toLowerCase(), bytes.length), bytes);
      }),
    );
  });

  it('encodes a known value', () => {
    assert.equal(encodeBase32(Buffer.from('foobar')), 'CSQPYRK1E8');
  });

  it('reads O, I and L as 0, 1 and 1', () => {
    assert.deepEqual(decodeBase32('O1', 1), decodeBase32('01', 1));
    assert.deepEqual(decodeBase32('0I', 1), decodeBase32('01', 1));
    assert.deepEqual(decodeBase32('0L', 1), decodeBase32('01', 1));
  });

  it('rejects unknown symbols, wrong length and non-zero padding bits', () => {
    assert.equal(decodeBase32('0U', 1), undefined);
    assert.equal(decodeBase32('000', 1), undefined);
    assert.equal(decodeBase32('01', 1), undefined); // the last 2 bits of "1" are padding and must be 0
    assert.deepEqual(decodeBase32('04', 1), Uint8Array.of(1));
  });
});
