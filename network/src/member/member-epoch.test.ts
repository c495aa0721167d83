import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { epochFormat, readEpoch } from './member-epoch';
import { MemberError } from './member-error';

describe('a compiled stake epoch as members read it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'isl-epoch-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const policy = "OutOf(2, 'Hospital1MSP.peer', 'Hospital2MSP.peer', 'Hospital3MSP.peer')";
  const epoch = (over: Record<string, unknown> = {}, recordPolicy = policy): string => {
    const record = JSON.stringify({ epoch: 2, output: { policy: recordPolicy, policySha256: createHash('sha256').update(recordPolicy).digest('hex') } });
    const file = join(dir, `${String(Math.random()).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ format: epochFormat, channel: 'imaging', sequence: 2, policy, stakes: { Hospital1MSP: 0 }, record, ...over }));
    return file;
  };
  const refusal = (code: string, pattern: RegExp) => (err: unknown) => err instanceof MemberError && err.code === code && pattern.test(err.message);

  it('reads an epoch whose policy is the one its compiler record names', () => {
    assert.equal(readEpoch(epoch(), 'imaging').policy, policy);
  });

  it('refuses a policy altered after compiling, another channel, and what is not an epoch', () => {
    assert.throws(() => readEpoch(epoch({ policy: policy.replace('OutOf(2', 'OutOf(1') }), 'imaging'), refusal('EPOCH_INVALID', /altered/));
    assert.throws(() => readEpoch(epoch({}, `${policy} `), 'imaging'), refusal('EPOCH_INVALID', /altered/));
    assert.throws(() => readEpoch(epoch({ sequence: 3 }), 'imaging'), refusal('EPOCH_INVALID', /sequence 3/));
    assert.throws(() => readEpoch(epoch(), 'other'), refusal('EPOCH_INVALID', /channel "imaging", not "other"/));
    assert.throws(() => readEpoch(epoch({ format: 'x' }), 'imaging'), refusal('EPOCH_INVALID', /not a compiled epoch/));
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    assert.throws(() => readEpoch(notJson, 'imaging'), refusal('EPOCH_INVALID', /not a compiled epoch/));
  });
});
