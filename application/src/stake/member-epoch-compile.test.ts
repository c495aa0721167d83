import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { projectRoot } from '@isl/network';
import { compileMemberEpoch } from './member-epoch-compile';
import { parseEpochPolicyRecord, verifyEpochPolicyRecord } from './policy';

describe("a consortium member's stakes compiled into the next epoch", () => {
  const dir = mkdtempSync(join(tmpdir(), 'isl-stakes-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const stakesFile = (value: unknown): string => {
    const file = join(dir, `${String(Math.random()).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const first = { format: 'isl-epoch-stakes/2', channel: 'imaging', sequence: 2, previous: null, activity: [] };

  it('gives a newcomer with no study the floor weight, and records what it compiled', () => {
    const epoch = compileMemberEpoch(stakesFile({ ...first, stakes: { Hospital1MSP: 0, Hospital2MSP: 0, Hospital3MSP: 0, Hospital4MSP: 0 } }), 1);
    assert.equal(epoch.policy, "OutOf(3, 'Hospital1MSP.peer', 'Hospital2MSP.peer', 'Hospital3MSP.peer', 'Hospital4MSP.peer')");
    const compiled = verifyEpochPolicyRecord(parseEpochPolicyRecord(epoch.record));
    assert.equal(compiled.policy, epoch.policy);
    assert.equal(compiled.weights.Hospital4MSP, 1);
    assert.equal(epoch.sequence, 2);
    assert.equal(epoch.format, 'isl-epoch/2');
    assert.deepEqual([epoch.report.previousSequence, epoch.report.flagged], [null, []]);
  });

  const padded = () =>
    stakesFile({
      format: 'isl-epoch-stakes/2',
      channel: 'imaging',
      sequence: 4,
      stakes: { Hospital1MSP: 60, Hospital2MSP: 22, Hospital3MSP: 20 },
      previous: { sequence: 3, recordedAt: '2026-03-01T10:00:00.000Z', stakes: { Hospital1MSP: 20, Hospital2MSP: 20, Hospital3MSP: 20 } },
      activity: [
        // Hospital1: 40 new studies, 2 of them used; Hospital2: 2 new, both granted.
        { org: 'Hospital1MSP', studies: 60, studiesSince: 40, usedSince: 2 },
        { org: 'Hospital2MSP', studies: 22, studiesSince: 2, usedSince: 2 },
      ],
    });

  it('puts the stake report in the epoch: changes since the last epoch and the outliers, from the figures the member read', () => {
    const epoch = compileMemberEpoch(padded(), 1);
    assert.deepEqual(epoch.previous?.sequence, 3);
    assert.equal(epoch.activity.length, 2);
    const { report } = epoch;
    assert.deepEqual([report.previousSequence, report.since, report.flagged], [3, '2026-03-01T10:00:00.000Z', ['Hospital1MSP']]);
    const h1 = report.organisations.find((o) => o.org === 'Hospital1MSP');
    assert.deepEqual([h1?.before, h1?.after, h1?.added, h1?.newStudies, h1?.usedNewStudies], [20, 60, 40, 40, 2]);
    assert.deepEqual(
      h1?.flags.map((f) => f.code),
      ['UNUSED_GROWTH', 'SHARE_JUMP'],
    );
    assert.deepEqual(report.organisations.find((o) => o.org === 'Hospital3MSP')?.flags, []);
  });

  it('isl stake compile prints the report with its flags, and writes it into the epoch', () => {
    const out = join(dir, 'epoch.json');
    const printed = execFileSync(join(projectRoot, 'scripts', 'isl'), ['stake', 'compile', '--stakes', padded(), '--out', out], { encoding: 'utf8' });
    assert.match(printed, /Hospital1MSP\s+20 → 60 \(\+40\).*2\/40 new used\s+UNUSED_GROWTH: 2 of 40 new studies/);
    assert.match(printed, /FLAGGED: Hospital1MSP — review before approving \(each member's epoch-approve refuses it unless --accept-flags\)/);
    assert.deepEqual((JSON.parse(readFileSync(out, 'utf8')) as { report: { flagged: string[] } }).report.flagged, ['Hospital1MSP']);
  });

  it('refuses a file that is not a stakes file of this format, naming what is wrong', () => {
    assert.throws(
      () => compileMemberEpoch(stakesFile({ ...first, stakes: { Hospital1MSP: -1 } }), 1),
      /not a member's stakes file \(isl-epoch-stakes\/2\): [\s\S]*stakes\.Hospital1MSP/,
    );
    // A stakes file of the earlier format carries no figures for the report.
    assert.throws(
      () => compileMemberEpoch(stakesFile({ format: 'isl-epoch-stakes/1', channel: 'imaging', sequence: 2, stakes: { Hospital1MSP: 0 } }), 1),
      /not a member's stakes file \(isl-epoch-stakes\/2\)/,
    );
  });
});
