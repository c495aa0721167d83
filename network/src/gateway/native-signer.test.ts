import { strict as assert } from 'node:assert';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { signers } from '@hyperledger/fabric-gateway';
import { lowSDer, nativeP256Signer } from './native-signer';

const HALF_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;

/** The s of a DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }). */
function sOf(der: Uint8Array): bigint {
  const b = Buffer.from(der);
  const rLen = b[3] ?? 0;
  const sLen = b[5 + rLen] ?? 0;
  return BigInt(`0x${b.subarray(6 + rLen, 6 + rLen + sLen).toString('hex')}`);
}

describe('native P-256 signer for the Fabric Gateway', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('signs SHA-256 of the message as DER with a low S, verifiable by anyone', async () => {
    const signer = nativeP256Signer(privateKey);
    assert.ok(signer);
    for (let i = 0; i < 50; i++) {
      const message = Buffer.from(`proposal ${String(i)}`);
      const der = await signer(message);
      assert.ok(verify('sha256', message, publicKey, Buffer.from(der)));
      assert.ok(sOf(der) <= HALF_N, 'low S');
    }
  });

  it('gives the same kind of signature as fabric-gateway’s own signer (DER, low S, same digest)', async () => {
    const message = Buffer.from('transaction envelope');
    const theirs = await signers.newPrivateKeySigner(privateKey)(createHash('sha256').update(message).digest());
    assert.ok(verify('sha256', message, publicKey, Buffer.from(theirs)));
    assert.ok(sOf(theirs) <= HALF_N);
  });

  it('normalises a high S and pads integers with a leading 1 bit', () => {
    const r = Buffer.alloc(32, 0xff);
    const s = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550', 'hex'); // n - 1
    const der = Buffer.from(lowSDer(Buffer.concat([r, s])));
    assert.equal(der[0], 0x30);
    assert.equal(der[3], 33, 'r gets a 0x00 in front');
    assert.equal(sOf(der), 1n, 'n - 1 becomes 1');
  });

  it('declines keys that are not P-256', () => {
    assert.equal(nativeP256Signer(generateKeyPairSync('ed25519').privateKey), undefined);
    assert.equal(nativeP256Signer(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), undefined);
  });
});
