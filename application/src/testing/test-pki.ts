import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its key, PEM files. */
export interface PemPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A test CA, a server certificate it issued (localhost, 127.0.0.1) and a client certificate (client-auth usage). */
export interface TestPki {
  readonly ca: string;
  readonly server: PemPair;
  readonly client: PemPair;
}

/** Where makeTestPki puts its files in `dir`. */
export function testPkiFiles(dir: string): TestPki {
  return {
    ca: join(dir, 'ca.pem'),
    server: { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') },
    client: { certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client.key') },
  };
}

/** Makes a P-256 test PKI with openssl in `dir`, valid two days. */
export function makeTestPki(dir: string): TestPki {
  const pki = testPkiFiles(dir);
  const caKey = join(dir, 'ca.key');
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', caKey, '-out', pki.ca, '-days', '2', '-subj', '/CN=ISL test audit repository CA');
  const issue = (pair: PemPair, name: string, extensions: string): void => {
    const csr = `${pair.certFile}.csr`;
    const ext = `${pair.certFile}.ext`;
    writeFileSync(ext, extensions);
    openssl('req', ...ec, '-keyout', pair.keyFile, '-out', csr, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', csr, '-CA', pki.ca, '-CAkey', caKey, '-CAcreateserial', '-out', pair.certFile, '-days', '2', '-extfile', ext);
  };
  issue(pki.server, 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue(pki.client, 'isl-test-audit-client', 'extendedKeyUsage=clientAuth\n');
  return pki;
}
