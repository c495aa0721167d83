import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { derivationInfo, deriveSigningKey, type DerivationPath } from './derivation';
import { encodeRecoveryCode } from './recovery-code';

/** Also published in docs/wallet.md; cross-checked with an independent Python implementation. */
const MASTER_SECRET = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const RECOVERY_CODE = '04002-0G30G-2GC1R-81450-P30D1-R7H04-8J2CA-1A5GQ-30CHM-6RW3M-F1Z0X-G6N60';
const VECTORS: readonly (DerivationPath & { readonly keyId: string; readonly x: string })[] = [
  {
    role: 'patient',
    purpose: 'study',
    context: 'study-1',
    alg: 'ES256',
    keyId: 'SaVX9712UYQlCH_PuCyB24prY0lfGfHy_eVwPmNCD9E',
    x: '_Jo85hVyFdvVVizAawKfeuGBf7HIW5-VsJ-0NdPCkig',
  },
  {
    role: 'patient',
    purpose: 'study',
    context: 'study-1',
    alg: 'EdDSA',
    keyId: 'mBEbDdT1URKqXU3_uahP2kn7oXjTqxIgdDeBwV3x51A',
    x: 'KrEMp6f9HhhxuwTCBaJugJJ7QCU6umqa9sQxVvh77GE',
  },
  {
    role: 'patient',
    purpose: 'recovery',
    context: 'study-1',
    alg: 'ES256',
    keyId: 'zbrDCP3eL8cMILtNeQ0Spl5cYnEt08ud74krj4WF7LY',
    x: 'n_lVaZ-s82fVBVbjNDgzcEyMdudPOC8NJ5tplAoCD5w',
  },
  {
    role: 'recipient',
    purpose: 'study',
    context: 'study-1',
    alg: 'EdDSA',
    keyId: 'O1XuNyb2A0lq3D19FqUh5VBl2gpzHkxKqa86qkw9X1c',
    x: 'GqmESy7TbXb8b2rOXmwvLFv-LqPJ5hd8YXlrf2QIU1Y',
  },
];

describe('wallet test vectors', () => {
  for (const vector of VECTORS) {
    const info = derivationInfo(vector);
    it(`derives ${info}`, async () => {
      const key = await deriveSigningKey(MASTER_SECRET, vector);
      assert.equal(key.keyId, vector.keyId);
      assert.equal(key.publicJwk.x, vector.x);
    });
  }

  it('encodes the vector secret as the documented recovery code', () => {
    assert.equal(encodeRecoveryCode(MASTER_SECRET), RECOVERY_CODE);
  });

  it('matches the vectors published in docs/wallet.md', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/wallet.md'), 'utf8');
    assert.ok(doc.includes(MASTER_SECRET.toString('hex')), 'master secret missing from docs');
    assert.ok(doc.includes(RECOVERY_CODE), 'recovery code missing from docs');
    for (const vector of VECTORS) {
      const row = new RegExp(`\\|\\s*\`${derivationInfo(vector)}\`\\s*\\|\\s*\`${vector.keyId}\`\\s*\\|`);
      assert.match(doc, row);
    }
  });
});
