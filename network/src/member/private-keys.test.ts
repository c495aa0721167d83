import { strict as assert } from 'node:assert';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyFingerprints } from './private-keys';

describe('privateKeyFingerprints', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-private-keys-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const spkiSha256 = (key: KeyObject): string =>
    createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');

  it('finds a PEM key deep in the folder and the same key as a private JWK, by its public key; public material is no finding', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(join(scratch, 'orgs', 'a', 'keystore'), { recursive: true });
    writeFileSync(join(scratch, 'orgs', 'a', 'keystore', 'key_sk'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(scratch, 'source-key.json'), JSON.stringify({ keyId: 'k', jwk: other.privateKey.export({ format: 'jwk' }) }));
    writeFileSync(join(scratch, 'public.json'), JSON.stringify({ jwk: other.publicKey.export({ format: 'jwk' }) }));
    writeFileSync(join(scratch, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));

    assert.deepEqual([...privateKeyFingerprints(scratch)].sort(), [spkiSha256(pair.publicKey), spkiSha256(other.publicKey)].sort());
  });

  it('finds nothing in a folder of certificates and public keys', () => {
    writeFileSync(join(scratch, 'public.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(privateKeyFingerprints(scratch).size, 0);
  });
});
