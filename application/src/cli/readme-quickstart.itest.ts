import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, waitFor } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { getTestServices } from '../testing/root-hooks';

/** The first shell block after `heading` in README.md, as a user would paste it. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README.md has "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  assert.ok(block, `README.md has a shell block under "${heading}"`);
  return block;
}

/** Runs a README block with bash, only its places changed: the test network's profile, a private folder for /tmp. */
function runBlock(block: string, work: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return runShell(block.replaceAll('/tmp/', `${work}/`));
}

function runShell(script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      {
        cwd: projectRoot,
        env: { ...process.env, ISL_CONNECTION_PROFILE: getTestConsortium().layout.connectionProfile },
        timeout: 280_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
      },
    );
  });
}

describe('README.md, run as written through the isl CLI (real network, real HTTP, real Orthanc)', function () {
  this.timeout(300_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'isl-readme-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("first five minutes: the paper's flow — source, consent, study, grant, allowed, revoke, denied, history", async () => {
    const { stdout, stderr, code } = await runBlock(readmeBlock('## Your first five minutes'), work);
    const lines = stdout.trim().split('\n');
    assert.ok(lines.includes('allowed'), `the doctor is allowed after the grant:\n${stdout}\n${stderr}`);
    assert.ok(lines.includes('denied: GRANT_REVOKED'), `the doctor is denied after the revocation:\n${stdout}\n${stderr}`);
    assert.match(stdout, /Committed in block \d+, transaction [0-9a-f]{64}\./);
    const history = lines.filter((l) => /^\d{4}-\d\d-\d\dT.* [0-9a-f]{64} /.test(l));
    assert.ok(history.length >= 2, `history shows every change:\n${stdout}`);
    assert.equal(code, 0, `the last command (history) succeeded:\n${stderr}`);
  });

  it('sharing real images: seed, publish, grant, retrieve over ITI-43 and WADO-RS, disclosures, revoke', async () => {
    const { stdout, stderr, code } = await runBlock(readmeBlock('### Sharing real images'), work);
    assert.equal(code, 0, `every command succeeded:\n${stdout}\n${stderr}`);
    assert.equal(stdout.match(/retrieved 50 DICOM instances \(\d+ bytes\) over (iti43|wado-rs)/g)?.length, 2, stdout);
    for (const dir of ['study-iti43', 'study-wado']) {
      assert.equal(readdirSync(join(work, dir)).length, 50, `${dir} holds the 50 instances`);
    }
    // Releases are recorded on the ledger right after each one (from a durable outbox): both show up.
    const patient = { ISL_WALLET: join(work, 'img-patient.json'), ISL_WALLET_PASSPHRASE: 'a long passphrase' };
    await waitFor(
      'both releases in isl disclosures',
      async () => {
        const out = await runShell(
          `export PATH="$PWD/scripts:$PATH"; ISL_WALLET=${patient.ISL_WALLET} ISL_WALLET_PASSPHRASE='${patient.ISL_WALLET_PASSPHRASE}' isl --json disclosures`,
        );
        const count = out.code === 0 ? (JSON.parse(out.stdout) as unknown[]).length : undefined;
        if (count !== 2) {
          // Thrown, so a timeout names what was last seen.
          throw new Error(`isl disclosures: ${count === undefined ? `exit ${String(out.code)}: ${out.stderr}` : `${String(count)} releases`}`);
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
  });

  it("publishing over REST: STOW-RS upload, the patient's consent with isl, DefineStudy committed", async () => {
    const hospital1 = getTestConsortium().topology.organisations.find((o) => o.mspId === 'Hospital1MSP');
    assert.ok(hospital1);
    // The block's only other place: Hospital1's gateway on the test network's ports.
    const block = `export ISL_GATEWAY_URL=${getTestServices().gatewayUrl(hospital1)}\n${readmeBlock('### Publishing from the hospital')}`;
    const { stdout, stderr, code } = await runBlock(block, work);
    assert.equal(code, 0, `every command succeeded:\n${stdout}\n${stderr}`);
    const staged = JSON.parse(readFileSync(join(work, 'staged.json'), 'utf8')) as { reference: string; instances: number; state: string };
    assert.deepEqual([staged.instances, staged.state], [20, 'awaiting-consent'], JSON.stringify(staged));
    const defined = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { reference?: string; state?: string; transactionId?: string };
    assert.equal(defined.reference, staged.reference, stdout);
    assert.equal(defined.state, 'defined');
    assert.match(defined.transactionId ?? '', /^[0-9a-f]{64}$/);
  });
});
