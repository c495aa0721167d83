import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../process/run';
import { selfSignedCa } from '../testing/openssl-ca';
import { readCrlIssuedBy } from './crl';
import { MemberError } from './member-error';

/** A CA of its own (OpenSSL) and the CRL it signs, in `dir`. */
async function caWithCrl(dir: string, name: string): Promise<{ caCert: string; crl: string }> {
  const caCert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const crl = join(dir, `${name}.crl.pem`);
  selfSignedCa(dir, name);
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(join(dir, `${name}.cnf`), `[ca]\ndefault_ca=d\n[d]\ndatabase=${join(dir, `${name}.index`)}\ndefault_md=sha256\ndefault_crl_days=1\n`);
  await run('openssl', ['ca', '-gencrl', '-config', join(dir, `${name}.cnf`), '-keyfile', key, '-cert', caCert, '-out', crl]);
  return { caCert, crl };
}

describe("a member's CRL for the channel", () => {
  const dir = mkdtempSync(join(tmpdir(), 'isl-crl-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes a CRL its own CA signed, and refuses another CA's, naming its issuer, and what is no CRL", async () => {
    const own = await caWithCrl(dir, 'ca.hospital3');
    const other = await caWithCrl(dir, 'ca.hospital1');
    assert.match(await readCrlIssuedBy(own.crl, own.caCert, 'Hospital3MSP'), /^-----BEGIN X509 CRL-----/);
    await assert.rejects(
      readCrlIssuedBy(other.crl, own.caCert, 'Hospital3MSP'),
      (err: unknown) =>
        err instanceof MemberError && err.code === 'CRL_INVALID' && /not signed by Hospital3MSP's CA: its issuer is "CN ?= ?ca\.hospital1"/.test(err.message),
    );
    await assert.rejects(
      readCrlIssuedBy(own.caCert, own.caCert, 'Hospital3MSP'),
      (err: unknown) => err instanceof MemberError && /not one PEM certificate revocation list/.test(err.message),
    );
  });
});
