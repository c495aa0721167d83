import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '@isl/network';

describe('isl --help', () => {
  it("is isl's own help, listing every verb (no library may answer --help itself)", () => {
    const out = execFileSync(join(projectRoot, 'scripts', 'isl'), ['--help'], { encoding: 'utf8' });
    assert.match(out, /^Usage: isl /);
    for (const verb of [
      'wallet',
      'consent',
      'allow|grant',
      'revoke',
      'request',
      'deny',
      'rotate',
      'submit',
      'check',
      'studies',
      'history',
      'source',
      'study',
      'user',
      'publish',
      'retrieve',
      'disclosures',
      'stake',
      'audit',
    ]) {
      assert.ok(out.includes(`  ${verb} `), `isl --help lists ${verb}`);
    }
  });

  it('exits with 2 and a message on an unknown command', () => {
    assert.throws(
      () => execFileSync(join(projectRoot, 'scripts', 'isl'), ['frobnicate'], { encoding: 'utf8', stdio: 'pipe' }),
      (err: { status: number; stderr: string }) => err.status === 2 && err.stderr.includes("unknown command 'frobnicate'"),
    );
  });
});
