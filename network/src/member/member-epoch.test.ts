import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Charter } from './charter';
import type { Member } from './member';
import { epochFormat, MemberEpoch, readEpoch, stakesReport } from './member-epoch';
import { MemberError } from './member-error';

describe('a compiled stake epoch as members read it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'isl-epoch-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const policy = "OutOf(2, 'Hospital1MSP.peer', 'Hospital2MSP.peer', 'Hospital3MSP.peer')";
  const previous = { sequence: 2, recordedAt: '2026-01-01T00:00:00.000Z', stakes: { Hospital1MSP: 10, Hospital2MSP: 10, Hospital3MSP: 10 } };
  /** Hospital1 published 40 studies since the last epoch and none of them was granted or released. */
  const padded = {
    stakes: { Hospital1MSP: 50, Hospital2MSP: 11, Hospital3MSP: 12 },
    previous,
    activity: [
      { org: 'Hospital1MSP', studies: 50, studiesSince: 40, usedSince: 0 },
      { org: 'Hospital2MSP', studies: 11, studiesSince: 1, usedSince: 1 },
      { org: 'Hospital3MSP', studies: 12, studiesSince: 2, usedSince: 2 },
    ],
  };
  const quiet = { stakes: { Hospital1MSP: 0 }, previous: null, activity: [] };
  const epoch = (over: Record<string, unknown> = {}, recordPolicy = policy, figures: typeof padded | typeof quiet = quiet): string => {
    const record = JSON.stringify({ epoch: 3, output: { policy: recordPolicy, policySha256: createHash('sha256').update(recordPolicy).digest('hex') } });
    const file = join(dir, `${String(Math.random()).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({ format: epochFormat, channel: 'imaging', sequence: 3, policy, record, ...figures, report: stakesReport(figures), ...over }),
    );
    return file;
  };
  const refusal = (code: string, pattern: RegExp) => (err: unknown) => err instanceof MemberError && err.code === code && pattern.test(err.message);

  it('reads an epoch whose policy is the one its compiler record names, and whose report is the one its figures give', () => {
    assert.equal(readEpoch(epoch(), 'imaging').policy, policy);
    const read = readEpoch(epoch({}, policy, padded), 'imaging');
    assert.deepEqual(read.report.flagged, ['Hospital1MSP']);
    assert.deepEqual(
      read.report.organisations.find((o) => o.org === 'Hospital1MSP')?.flags.map((f) => f.code),
      ['UNUSED_GROWTH', 'SHARE_JUMP'],
    );
  });

  it('refuses a policy altered after compiling, another channel, and what is not an epoch', () => {
    assert.throws(() => readEpoch(epoch({ policy: policy.replace('OutOf(2', 'OutOf(1') }), 'imaging'), refusal('EPOCH_INVALID', /altered/));
    assert.throws(() => readEpoch(epoch({}, `${policy} `), 'imaging'), refusal('EPOCH_INVALID', /altered/));
    assert.throws(() => readEpoch(epoch({ sequence: 4 }), 'imaging'), refusal('EPOCH_INVALID', /sequence 4/));
    assert.throws(() => readEpoch(epoch(), 'other'), refusal('EPOCH_INVALID', /channel "imaging", not "other"/));
    assert.throws(() => readEpoch(epoch({ format: 'isl-epoch/1' }), 'imaging'), refusal('EPOCH_INVALID', /not a compiled epoch/));
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    assert.throws(() => readEpoch(notJson, 'imaging'), refusal('EPOCH_INVALID', /not a compiled epoch/));
  });

  it('refuses an epoch whose stake report was altered: flags dropped, or figures changed under it', () => {
    const report = stakesReport(padded);
    const unflagged = { ...report, flagged: [], organisations: report.organisations.map((o) => ({ ...o, flags: [] })) };
    assert.throws(
      () => readEpoch(epoch({ report: unflagged }, policy, padded), 'imaging'),
      refusal('EPOCH_INVALID', /stake report is not the one its figures give/),
    );
    // Use made up after compiling: the report no longer matches the figures.
    const used = padded.activity.map((a) => ({ ...a, usedSince: a.studiesSince }));
    assert.throws(
      () => readEpoch(epoch({ activity: used }, policy, padded), 'imaging'),
      refusal('EPOCH_INVALID', /stake report is not the one its figures give/),
    );
    // An epoch of the format without a report (or the older isl-epoch/1) is no compiled epoch of this one.
    assert.throws(() => readEpoch(epoch({ report: undefined }, policy, padded), 'imaging'), refusal('EPOCH_INVALID', /not a compiled epoch[\s\S]*report/));
  });

  describe('epoch-approve', () => {
    /** A member whose nodes are out of reach: any use of them is seen (the refusal comes before). */
    const unreachable = new Proxy<object>(
      {},
      {
        get: (_target, name) => {
          throw new Error(`the test member has no nodes (used: ${String(name)})`);
        },
      },
    ) as Member;
    const steps = (log: string[]): MemberEpoch =>
      new MemberEpoch({
        member: unreachable,
        fabric: unreachable as never,
        charter: { channel: 'imaging', chaincode: { name: 'isl' } } as Charter,
        log: (m) => log.push(m),
      });

    it('shows the report and refuses (does not approve) an epoch it flags, before touching any node', async () => {
      const log: string[] = [];
      await assert.rejects(
        steps(log).approve(epoch({}, policy, padded)),
        refusal('EPOCH_FLAGGED', /flags Hospital1MSP UNUSED_GROWTH \(0 of 40 new studies.*Hospital1MSP SHARE_JUMP.*not approved.*--accept-flags/),
      );
      assert.match(log.join('\n'), /FLAGGED: Hospital1MSP/);
      assert.match(log.join('\n'), /Hospital1MSP\s+10 → 50 \(\+40\)/);
    });

    it('goes on to approve a flagged epoch with --accept-flags, and an unflagged one without', async () => {
      for (const [file, acceptFlags] of [
        [epoch({}, policy, padded), true],
        [epoch(), false],
      ] as const) {
        const log: string[] = [];
        // Past the review, approving needs the member's nodes: the test member has none.
        await assert.rejects(steps(log).approve(file, { acceptFlags }), /the test member has no nodes/);
        assert.match(log.join('\n'), acceptFlags ? /FLAGGED: Hospital1MSP/ : /no outliers/);
      }
    });
  });
});
