import { strict as assert } from 'node:assert';
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { thumbprint } from '@isl/chaincode';
import {
  contentDigest,
  encodeRecipientKey,
  GET_COMPONENTS,
  POST_COMPONENTS,
  signatureBase,
  signRequest,
  SignatureRejected,
  verifyRequest,
  type RecipientSigningKey,
} from './http-signature';
import { ReplayCache } from './replay-cache';

async function key(alg: 'ES256' | 'EdDSA'): Promise<RecipientSigningKey> {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  return { alg, publicJwk, keyId: await thumbprint(publicJwk), privateKey: createPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' })) };
}

const target = 'https://127.0.0.1:7060/studies/abc';
const NOW = 1_750_000_000_000;

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SignatureRejected, String(err));
    return err.failure;
  }
  return 'accepted';
}

describe('HTTP message signatures (RFC 9421) for retrieval requests', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`verifies a ${alg} GET signature and returns the signer's key id`, async () => {
      const k = await key(alg);
      const headers = { accept: 'multipart/related' };
      const signed = signRequest(k, { method: 'GET', targetUri: target, headers }, { nonce: 'n'.repeat(22), components: GET_COMPONENTS, created: NOW / 1000 });
      const verified = await verifyRequest(
        { method: 'GET', targetUri: target, headers: { ...headers, ...signed } },
        { requiredComponents: GET_COMPONENTS, replayCache: new ReplayCache(), nowMs: NOW },
      );
      assert.equal(verified.keyId, k.keyId);
    });
  }

  it('refuses another target URI, a changed body, a stale or future signature, a replay and a foreign key id', async () => {
    const k = await key('ES256');
    const other = await key('ES256');
    const body = Buffer.from('<soap/>');
    const headers = { 'content-type': 'application/soap+xml', 'content-digest': contentDigest(body) };
    const sign = (created = NOW / 1000, nonce = 'x'.repeat(22)): Record<string, string> => ({
      ...headers,
      ...signRequest(k, { method: 'POST', targetUri: target, headers }, { nonce, components: POST_COMPONENTS, created }),
    });
    const verify = (h: Record<string, string>, opts: { uri?: string; body?: Buffer; now?: number; cache?: ReplayCache } = {}) =>
      verifyRequest(
        { method: 'POST', targetUri: opts.uri ?? target, headers: h },
        { requiredComponents: POST_COMPONENTS, replayCache: opts.cache ?? new ReplayCache(), nowMs: opts.now ?? NOW, body: opts.body ?? body },
      );
    assert.equal(await failure(verify(sign(), { uri: 'https://127.0.0.1:7160/studies/abc' })), 'invalid');
    assert.equal(await failure(verify(sign(), { body: Buffer.from('<soap />') })), 'invalid');
    assert.equal(await failure(verify(sign(NOW / 1000 - 121))), 'stale');
    assert.equal(await failure(verify(sign(NOW / 1000 + 31))), 'stale');
    const cache = new ReplayCache();
    const once = sign();
    assert.equal(await failure(verify(once, { cache })), 'accepted');
    assert.equal(await failure(verify(once, { cache })), 'replayed');
    // The same nonce after the window has passed is stale, not forgotten-and-accepted.
    assert.equal(await failure(verify(once, { cache, now: NOW + 200_000 })), 'stale');
    const signed = sign();
    assert.equal(await failure(verify({ ...signed, 'signature-input': (signed['signature-input'] ?? '').replace(k.keyId, other.keyId) })), 'invalid');
    assert.equal(await failure(verify({ ...headers })), 'missing');
  });

  it('requires the covered components it is told to', async () => {
    const k = await key('EdDSA');
    const signed = signRequest(
      k,
      { method: 'GET', targetUri: target, headers: {} },
      { nonce: 'y'.repeat(22), components: ['@method', 'isl-recipient-key'], created: NOW / 1000 },
    );
    assert.equal(
      await failure(
        verifyRequest(
          { method: 'GET', targetUri: target, headers: signed },
          { requiredComponents: GET_COMPONENTS, replayCache: new ReplayCache(), nowMs: NOW },
        ),
      ),
      'malformed',
    );
  });
});

describe('Signature-Input parameter types (RFC 9421 §2.3, RFC 8941)', () => {
  /** A correctly signed GET whose Signature-Input carries `extra` parameters. */
  const signedWith = async (extra: string): Promise<Record<string, string>> => {
    const k = await key('ES256');
    const headers = { 'isl-recipient-key': encodeRecipientKey(k.publicJwk) };
    const params = `("@method" "@target-uri" "isl-recipient-key");created=${String(NOW / 1000)};nonce="${'z'.repeat(22)}";keyid="${k.keyId}";alg="ecdsa-p256-sha256";tag="isl-retrieve"${extra}`;
    const base = Buffer.from(signatureBase({ method: 'GET', targetUri: target, headers }, GET_COMPONENTS, params));
    const signature = cryptoSign('sha256', base, { key: k.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    return { ...headers, 'signature-input': `isl=${params}`, signature: `isl=:${signature}:` };
  };
  const verdict = async (headers: Record<string, string>): Promise<string> =>
    failure(verifyRequest({ method: 'GET', targetUri: target, headers }, { requiredComponents: GET_COMPONENTS, replayCache: new ReplayCache(), nowMs: NOW }));

  it('refuses expires as a quoted string instead of ignoring it (it is an Integer)', async () => {
    assert.equal(await verdict(await signedWith(';expires="1"')), 'malformed');
    assert.equal(await verdict(await signedWith(`;expires="${String(NOW / 1000 + 60)}"`)), 'malformed');
  });

  it('applies an integer expires, and refuses other mistyped parameters', async () => {
    assert.equal(await verdict(await signedWith(`;expires=${String(NOW / 1000 + 60)}`)), 'accepted');
    assert.equal(await verdict(await signedWith(`;expires=${String(NOW / 1000 - 1)}`)), 'stale');
    const k = await key('ES256');
    const good = await signedWith('');
    const input = good['signature-input'] ?? '';
    assert.equal(await verdict({ ...good, 'signature-input': input.replace(/created=(\d+)/, 'created="$1"') }), 'malformed');
    assert.equal(await verdict({ ...good, 'signature-input': input.replace(/nonce="([^"]+)"/, 'nonce=1234567890123456') }), 'malformed');
    assert.equal(await verdict({ ...good, 'signature-input': input.replace(/keyid="[^"]+"/, `keyid="${k.keyId}";keyid="${k.keyId}"`) }), 'malformed');
  });
});

describe('ReplayCache', () => {
  it('remembers keys until they expire and fails closed when full of live entries', () => {
    const cache = new ReplayCache(2);
    assert.equal(cache.remember('a', 1000, 0), 'fresh');
    assert.equal(cache.remember('a', 1000, 10), 'replayed');
    assert.equal(cache.remember('b', 2000, 10), 'fresh');
    assert.equal(cache.remember('c', 2000, 10), 'full');
    assert.equal(cache.remember('c', 3000, 1500), 'fresh', 'a swept expired entry frees room');
    assert.equal(cache.size, 2);
  });

  it('holds a per-owner quota, and an evicting cache forgets its oldest entry instead of refusing', () => {
    const quota = new ReplayCache({ capacity: 10, perOwner: 2 });
    assert.equal(quota.remember('a1', 1000, 0, 'a'), 'fresh');
    assert.equal(quota.remember('a2', 1000, 0, 'a'), 'fresh');
    assert.equal(quota.remember('a3', 1000, 0, 'a'), 'quota');
    assert.equal(quota.remember('b1', 1000, 0, 'b'), 'fresh', 'another owner still has room');
    assert.equal(quota.remember('a3', 2000, 1500, 'a'), 'fresh', 'expired entries free the quota');
    const evicting = new ReplayCache({ capacity: 2, evictOldest: true });
    assert.equal(evicting.remember('x', 1000, 0), 'fresh');
    assert.equal(evicting.remember('y', 1000, 0), 'fresh');
    assert.equal(evicting.remember('z', 1000, 0), 'fresh');
    assert.equal(evicting.has('x', 0), false);
    assert.equal(evicting.remember('y', 1000, 0), 'replayed');
  });
});

// The Signature-Input and Signature members are parsed by hand (see parseInput): hostile
// spellings must only ever be refused with a SignatureRejected, never throw anything else
// or hang (a hang fails the test by its timeout).
describe('HTTP message signature parsing under fuzzing', () => {
  const fragments = fc.constantFrom(
    'isl=',
    'other=',
    '(',
    ')',
    '"',
    '\\',
    ',',
    ';',
    '=',
    ' ',
    '\t',
    ':',
    '"@method"',
    '"@target-uri"',
    '"isl-recipient-key"',
    'created=',
    'expires=',
    'nonce=',
    'keyid=',
    'alg=',
    'tag=',
    '"isl-retrieve"',
    '1750000000',
    '-1',
    '999999999999999999',
    'ed25519',
    'x',
    'AAAA',
  );
  const header = fc.array(fragments, { maxLength: 60 }).map((parts) => parts.join(''));

  it('refuses any spelling of Signature-Input and Signature with SignatureRejected', async () => {
    const k = await key('EdDSA');
    const signed = signRequest(
      k,
      { method: 'GET', targetUri: target, headers: {} },
      { nonce: 'n'.repeat(22), components: GET_COMPONENTS, created: NOW / 1000 },
    );
    await fc.assert(
      fc.asyncProperty(header, header, fc.boolean(), async (input, signature, keepValidSignature) => {
        const headers = { ...signed, 'signature-input': `isl=${input}`, ...(keepValidSignature ? {} : { signature: `isl=${signature}` }) };
        const got = await failure(
          verifyRequest({ method: 'GET', targetUri: target, headers }, { requiredComponents: GET_COMPONENTS, replayCache: new ReplayCache(), nowMs: NOW }),
        );
        assert.notEqual(got, 'accepted');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses header-sized hostile inputs (16 KiB, as Node bounds headers) without hanging', async () => {
    const k = await key('EdDSA');
    const signed = signRequest(
      k,
      { method: 'GET', targetUri: target, headers: {} },
      { nonce: 'n'.repeat(22), components: GET_COMPONENTS, created: NOW / 1000 },
    );
    const big = 16 * 1024;
    for (const input of [
      `(${' "a"'.repeat(big / 4)}`,
      `(${'"a" '.repeat(big / 4)} x`,
      `("@method")${';nonce="\\"'.repeat(big / 10)}`,
      `("@method");nonce="${'\\'.repeat(big)}`,
      '('.repeat(big),
      `("@method")${';a=1'.repeat(big / 4)}`,
    ]) {
      const headers = { ...signed, 'signature-input': `isl=${input}`, signature: `other=(${'"'.repeat(big)}), isl=:${'A'.repeat(big)}:` };
      assert.equal(
        await failure(
          verifyRequest({ method: 'GET', targetUri: target, headers }, { requiredComponents: GET_COMPONENTS, replayCache: new ReplayCache(), nowMs: NOW }),
        ),
        'malformed',
      );
    }
  });
});
