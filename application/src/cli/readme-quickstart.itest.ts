import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../network/src/fabric-home';
import { getTestConsortium } from '../../../network/src/testing/root-hooks';

/** The shell block under "Your first five minutes" in README.md, as a user would paste it. */
function quickStart(): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Your first five minutes'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'README.md has a shell block in "Your first five minutes"');
  return block;
}

describe("README's first five minutes, run as written through the isl CLI (real network, real HTTP)", function () {
  this.timeout(180_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'isl-readme-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("plays the paper's flow: source, consent, study, grant, allowed, revoke, denied, history", async () => {
    // Only the places change: the test network's profile and a private folder instead of /tmp.
    const script = quickStart().replaceAll('/tmp/', `${work}/`);
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(
        'bash',
        ['-c', script],
        {
          cwd: projectRoot,
          env: { ...process.env, ISL_CONNECTION_PROFILE: getTestConsortium().layout.connectionProfile },
          timeout: 170_000,
        },
        (err, out, errOut) => {
          resolve({ stdout: out, stderr: errOut, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
        },
      );
    });
    const lines = stdout.trim().split('\n');
    assert.ok(lines.includes('allowed'), `the doctor is allowed after the grant:\n${stdout}\n${stderr}`);
    assert.ok(lines.includes('denied: GRANT_REVOKED'), `the doctor is denied after the revocation:\n${stdout}\n${stderr}`);
    assert.match(stdout, /Committed in block \d+, transaction [0-9a-f]{64}\./);
    // The history lists the grant's creation and its revocation.
    const history = lines.filter((l) => /^\d{4}-\d\d-\d\dT.* [0-9a-f]{64} /.test(l));
    assert.ok(history.length >= 2, `history shows every change:\n${stdout}`);
    assert.equal(code, 0, `the last command (history) succeeded:\n${stderr}`);
  });
});
