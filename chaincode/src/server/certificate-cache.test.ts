import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERTIFICATE_CACHE_SIZE, installCertificateCache } from './certificate-cache';

const fromShim = createRequire(require.resolve('fabric-shim'));
const { Certificate } = fromShim('@fidm/x509') as { Certificate: { fromPEM(pem: Buffer | string): { subject: { commonName: string } } } };
const { ClientIdentity } = fromShim('fabric-shim') as {
  ClientIdentity: new (stub: unknown) => { getID(): string; getMSPID(): string };
};

/** A real self-signed P-256 certificate made by openssl, as a Fabric client's would be. */
function certificate(dir: string, commonName: string): string {
  const key = join(dir, `${commonName}.key`);
  const cert = join(dir, `${commonName}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/O=Hospital1/CN=${commonName}`,
    ],
    {
      stdio: 'ignore',
    },
  );
  return readFileSync(cert, 'latin1');
}

const stubFor = (pem: string): unknown => ({
  getChannelID: () => 'imaging',
  getTxID: () => 'tx1',
  getCreator: () => ({ mspid: 'Hospital1MSP', idBytes: Buffer.from(pem, 'latin1') }),
});

describe('certificate cache', () => {
  let dir: string;
  let alice: string;
  let bob: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-cert-'));
    alice = certificate(dir, 'alice');
    bob = certificate(dir, 'bob');
    installCertificateCache();
    installCertificateCache();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses a certificate once and gives the same parse for the same PEM, as a string or bytes', () => {
    const first = Certificate.fromPEM(alice);
    assert.equal(first.subject.commonName, 'alice');
    assert.equal(Certificate.fromPEM(alice), first);
    assert.equal(Certificate.fromPEM(Buffer.from(alice, 'latin1')), first);
  });

  it('never confuses two certificates', () => {
    assert.equal(Certificate.fromPEM(bob).subject.commonName, 'bob');
    assert.notEqual(Certificate.fromPEM(bob), Certificate.fromPEM(alice));
  });

  it("gives fabric-shim's ClientIdentity the creator's own identity", () => {
    assert.equal(new ClientIdentity(stubFor(alice)).getID(), 'x509::/O=Hospital1/CN=alice::/O=Hospital1/CN=alice');
    assert.equal(new ClientIdentity(stubFor(bob)).getID(), 'x509::/O=Hospital1/CN=bob::/O=Hospital1/CN=bob');
    assert.equal(new ClientIdentity(stubFor(alice)).getMSPID(), 'Hospital1MSP');
  });

  it('is bounded: after CERTIFICATE_CACHE_SIZE other certificates the oldest is parsed again', () => {
    const first = Certificate.fromPEM(alice);
    // The cache keys on the whole PEM, so trailing-newline variants are distinct entries of one certificate.
    for (let i = 1; i <= CERTIFICATE_CACHE_SIZE; i++) Certificate.fromPEM(bob + '\n'.repeat(i));
    const again = Certificate.fromPEM(alice);
    assert.notEqual(again, first);
    assert.equal(again.subject.commonName, 'alice');
  });

  it('refuses a malformed certificate as before, and caches nothing for it', () => {
    assert.throws(() => Certificate.fromPEM('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
    assert.throws(() => Certificate.fromPEM('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
  });
});
