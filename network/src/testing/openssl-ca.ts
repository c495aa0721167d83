import { execFileSync } from 'node:child_process';

/** A self-signed P-256 CA made with OpenSSL in `dir`: `<name>.key` and `<name>.pem` (CN=name), valid a day. For unit tests. */
export function selfSignedCa(dir: string, name: string): void {
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
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '1',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
}
