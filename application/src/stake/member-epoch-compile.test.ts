import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('gives a newcomer with no study the floor weight, and records what it compiled', () => {
    const epoch = compileMemberEpoch(
      stakesFile({
        format: 'isl-epoch-stakes/1',
        channel: 'imaging',
        sequence: 2,
        stakes: { Hospital1MSP: 0, Hospital2MSP: 0, Hospital3MSP: 0, Hospital4MSP: 0 },
      }),
      1,
    );
    assert.equal(epoch.policy, "OutOf(3, 'Hospital1MSP.peer', 'Hospital2MSP.peer', 'Hospital3MSP.peer', 'Hospital4MSP.peer')");
    const compiled = verifyEpochPolicyRecord(parseEpochPolicyRecord(epoch.record));
    assert.equal(compiled.policy, epoch.policy);
    assert.equal(compiled.weights.Hospital4MSP, 1);
    assert.equal(epoch.sequence, 2);
  });

  it('refuses a file that is not a stakes file, naming what is wrong', () => {
    assert.throws(
      () => compileMemberEpoch(stakesFile({ format: 'isl-epoch-stakes/1', channel: 'imaging', sequence: 2, stakes: { Hospital1MSP: -1 } }), 1),
      /not a member's stakes file \(isl-epoch-stakes\/1\): [\s\S]*stakes\.Hospital1MSP/,
    );
  });
});
