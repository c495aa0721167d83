import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64url } from 'jose';
import { isBase64UrlOfLength } from './keys';

/** The rule as written before the native codec: jose decodes, and the result must re-encode to the input. */
function byJose(s: string, bytes: number): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return false;
  try {
    const decoded = base64url.decode(s);
    return decoded.length === bytes && base64url.encode(decoded) === s;
  } catch {
    return false;
  }
}

const alphabet = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ');

describe('isBase64UrlOfLength', () => {
  it('accepts the canonical unpadded base64url of exactly the given length', () => {
    const id = Buffer.alloc(32, 7).toString('base64url');
    assert.equal(isBase64UrlOfLength(id, 32), true);
    assert.equal(isBase64UrlOfLength('AA', 1), true);
    assert.equal(isBase64UrlOfLength('', 0), true);
  });

  it('refuses padding, the standard alphabet, other lengths and non-zero spare bits', () => {
    const id = Buffer.alloc(32, 7).toString('base64url');
    assert.equal(isBase64UrlOfLength(`${id}=`, 32), false);
    assert.equal(isBase64UrlOfLength(id.slice(1), 32), false);
    assert.equal(isBase64UrlOfLength(`${id}A`, 32), false);
    assert.equal(isBase64UrlOfLength(`+${id.slice(1)}`, 32), false);
    assert.equal(isBase64UrlOfLength('AB', 1), false, 'spare bits set: decodes to the same byte as AA');
    assert.equal(isBase64UrlOfLength(`${id.slice(0, 42)}B`, 32), false);
  });

  it('decides as the jose-based check did, for any string and length', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 48 }), fc.integer({ min: 0, max: 34 }), (s, bytes) => {
        assert.equal(isBase64UrlOfLength(s, bytes), byJose(s, bytes), `${JSON.stringify(s)} of ${String(bytes)} bytes`);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 34 }), fc.integer({ min: 0, max: 34 }), (raw, bytes) => {
        const s = Buffer.from(raw).toString('base64url');
        assert.equal(isBase64UrlOfLength(s, bytes), byJose(s, bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
