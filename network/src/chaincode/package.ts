import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'tar';

export interface CcaasPackageOptions {
  readonly label: string;
  /** PEM of the CA that signed the chaincode servers' TLS certificates. */
  readonly rootCert: string;
  /** The peer's TLS client certificate and key, for mutual TLS to the chaincode server. */
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Writes a chaincode-as-a-service package: metadata.json (type ccaas) and
 * code.tar.gz holding only connection.json. The address is a placeholder each
 * peer's builder fills with its own chaincode server (see network/ccaas-builder).
 */
export async function writeCcaasPackage(file: string, options: CcaasPackageOptions): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'isl-ccaas-'));
  try {
    const code = join(work, 'code');
    mkdirSync(code);
    writeFileSync(
      join(code, 'connection.json'),
      JSON.stringify({
        address: '{{.address}}',
        dial_timeout: '10s',
        tls_required: true,
        client_auth_required: true,
        root_cert: readFileSync(options.rootCert, 'utf8'),
        client_cert: readFileSync(options.clientCert, 'utf8'),
        client_key: readFileSync(options.clientKey, 'utf8'),
      }),
    );
    const outer = join(work, 'outer');
    mkdirSync(outer);
    // Fixed mtime and ownership: the same inputs give the same package ID.
    const fixed = { gzip: true, portable: true, mtime: new Date(0) } as const;
    await create({ ...fixed, cwd: code, file: join(outer, 'code.tar.gz') }, ['connection.json']);
    writeFileSync(join(outer, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: options.label }));
    mkdirSync(dirname(file), { recursive: true });
    await create({ ...fixed, cwd: outer, file }, ['metadata.json', 'code.tar.gz']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
