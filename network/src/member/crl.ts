import { readFileSync, statSync } from 'node:fs';
import { run } from '../process/run';
import { MemberError } from './member-error';

/** A CRL of a member's CA lists its revoked certificates: kilobytes, far below this. */
const maxCrlBytes = 1024 * 1024;

/**
 * Reads a certificate revocation list (PEM, bounded) and checks with OpenSSL
 * that the CA of `caCertFile` signed it; refuses anything else (CRL_INVALID,
 * naming the list's issuer). Returns the PEM.
 */
export async function readCrlIssuedBy(file: string, caCertFile: string, mspId: string): Promise<string> {
  const size = statSync(file).size;
  if (size > maxCrlBytes) {
    throw new MemberError('CRL_INVALID', `${file}: ${String(size)} bytes; a CRL is at most ${String(maxCrlBytes)}`);
  }
  const pem = readFileSync(file, 'utf8');
  if (!/^-----BEGIN X509 CRL-----\r?\n[A-Za-z0-9+/=\r\n]+-----END X509 CRL-----\s*$/.test(pem)) {
    throw new MemberError('CRL_INVALID', `${file} is not one PEM certificate revocation list (-----BEGIN X509 CRL-----)`);
  }
  let issuer: string;
  try {
    issuer = (await run('openssl', ['crl', '-in', file, '-noout', '-issuer'], { timeoutMs: 10_000 })).stdout.trim().replace(/^issuer=\s*/, '');
  } catch {
    throw new MemberError('CRL_INVALID', `${file} is not a certificate revocation list OpenSSL can read`);
  }
  try {
    await run('openssl', ['crl', '-in', file, '-noout', '-CAfile', caCertFile], { timeoutMs: 10_000 });
  } catch {
    throw new MemberError('CRL_INVALID', `${file} is not signed by ${mspId}'s CA: its issuer is "${issuer}"; only the member's own CA revokes its identities`);
  }
  return pem;
}
