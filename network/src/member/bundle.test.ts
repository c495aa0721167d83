import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFormat, parseBundle, serialiseBundle, type MemberBundle } from './bundle';
import { MemberError } from './member-error';
import { privateKeysInJson } from './private-keys';
import { selfSignedCa } from '../testing/openssl-ca';

/** A CA and an orderer TLS certificate it issued for 10.77.0.2 (openssl, as a member's CA would). */
function certificates(): { ca: string; orderer: string; strangerCa: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  const ossl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  try {
    for (const name of ['ca', 'stranger']) {
      selfSignedCa(dir, name);
    }
    ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'o.key', '-out', 'o.csr', '-subj', '/CN=orderer');
    writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:10.77.0.2\n');
    ossl('x509', '-req', '-in', 'o.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'o.pem', '-days', '1', '-extfile', 'ext');
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.pem'), orderer: read('o.pem'), strangerCa: read('stranger.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('member bundle', () => {
  let good: MemberBundle;
  let strangerCa: string;
  before(() => {
    const c = certificates();
    strangerCa = c.strangerCa;
    good = {
      format: bundleFormat,
      name: 'hospital2',
      mspId: 'Hospital2MSP',
      description: 'Riverside Imaging Centre',
      msp: { caCert: c.ca, tlsCaCert: c.ca, nodeOUs: 'NodeOUs:\n  Enable: true\n' },
      anchorPeers: [{ host: '10.77.0.2', port: 7020 }],
      orderer: { endpoint: { host: '10.77.0.2', port: 7010 }, tlsCert: c.orderer },
    };
  });
  const refusal =
    (code: string, pattern: RegExp) =>
    (err: unknown): boolean =>
      err instanceof MemberError && err.code === code && pattern.test(err.message);
  const ecKeyPem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('round-trips a bundle of certificates and endpoints', () => {
    assert.deepEqual(parseBundle(serialiseBundle(good), 'b.json'), good);
  });

  it('refuses a PEM private key in any field, naming where, before anything else is checked', () => {
    const withKey = { ...good, orderer: { ...good.orderer, tlsKey: ecKeyPem() } };
    assert.throws(() => parseBundle(JSON.stringify(withKey), 'b.json'), refusal('BUNDLE_PRIVATE_KEY', /PRIVATE KEY.*\$\.orderer\.tlsKey/));
    const inCert = { ...good, msp: { ...good.msp, caCert: `${good.msp.caCert}${ecKeyPem()}` } };
    assert.throws(() => parseBundle(JSON.stringify(inCert), 'b.json'), refusal('BUNDLE_PRIVATE_KEY', /\$\.msp\.caCert/));
  });

  it('refuses an RSA or encrypted PEM key, and one in text that is not even JSON', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.throws(() => parseBundle(JSON.stringify({ ...good, description: rsa }), 'b.json'), refusal('BUNDLE_PRIVATE_KEY', /RSA PRIVATE KEY/));
    assert.throws(() => parseBundle(`not json ${ecKeyPem()}`, 'b.json'), refusal('BUNDLE_PRIVATE_KEY', /PRIVATE KEY/));
    assert.throws(() => parseBundle('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n', 'b.json'), refusal('BUNDLE_PRIVATE_KEY', /ENCRYPTED PRIVATE KEY/));
  });

  it('refuses a JSON Web Key with its private member "d"', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    assert.throws(
      () => parseBundle(JSON.stringify({ ...good, extra: { keys: [jwk] } }), 'b.json'),
      refusal('BUNDLE_PRIVATE_KEY', /"d" at \$\.extra\.keys\[0\]/),
    );
    const publicJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    assert.deepEqual(privateKeysInJson({ keys: [publicJwk] }), [], 'a public JWK is no finding');
  });

  it('will not even write a bundle that holds a private key', () => {
    assert.throws(() => serialiseBundle({ ...good, description: ecKeyPem() }), refusal('BUNDLE_PRIVATE_KEY', /description/));
  });

  it('refuses unknown fields, certificates that do not parse, and an orderer certificate another CA issued', () => {
    assert.throws(() => parseBundle(JSON.stringify({ ...good, extra: 1 }), 'b.json'), refusal('BUNDLE_INVALID', /extra/));
    const broken = good.msp.caCert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    assert.throws(() => parseBundle(JSON.stringify({ ...good, msp: { ...good.msp, caCert: broken } }), 'b.json'), refusal('BUNDLE_INVALID', /msp\.caCert/));
    assert.throws(
      () => parseBundle(JSON.stringify({ ...good, msp: { ...good.msp, tlsCaCert: strangerCa } }), 'b.json'),
      refusal('BUNDLE_INVALID', /not issued by msp\.tlsCaCert/),
    );
  });

  it("refuses an orderer certificate that does not name the orderer's address", () => {
    const moved = { ...good, orderer: { ...good.orderer, endpoint: { host: '10.77.0.9', port: 7010 } } };
    assert.throws(() => parseBundle(JSON.stringify(moved), 'b.json'), refusal('BUNDLE_INVALID', /does not name the orderer's host 10\.77\.0\.9/));
  });

  it('refuses an oversized bundle without parsing it', () => {
    assert.throws(() => parseBundle(' '.repeat(300 * 1024), 'b.json'), refusal('BUNDLE_TOO_LARGE', /262144/));
  });
});
