import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compileStakePolicy } from './compile';
import { epochPolicyRecord, epochPolicyRecordJson, parseEpochPolicyRecord, verifyEpochPolicyRecord } from './epoch-record';
import { EpochRecordError } from './errors';
import { MORE_THAN_HALF } from './threshold';

function recordError(fn: () => unknown): EpochRecordError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EpochRecordError, String(error));
    return error;
  }
  assert.fail('expected an EpochRecordError');
}

describe('epoch policy record', () => {
  const compiled = compileStakePolicy({ stakes: { Org2MSP: 30, Org1MSP: 50, Org3MSP: 0 }, threshold: MORE_THAN_HALF, floorWeight: 5 });

  it('records inputs and outputs with a hash of the exact policy string', () => {
    const record = epochPolicyRecord(compiled, 7);
    assert.equal(record.epoch, 7);
    assert.deepEqual(record.input.stakes, { Org1MSP: 50, Org2MSP: 30, Org3MSP: 0 });
    assert.equal(record.input.floorWeight, 5);
    assert.equal(record.output.policy, compiled.policy);
    assert.equal(record.output.policySha256, createHash('sha256').update(compiled.policy).digest('hex'));
    assert.equal(record.output.errorBound.stake, '0.000000');
  });

  it('serialises canonically: the same policy always gives the same bytes', () => {
    const json = epochPolicyRecordJson(compiled, 7);
    assert.ok(json.startsWith('{"epoch":7,"input":{"floorWeight":5,'));
    const again = compileStakePolicy({
      stakes: new Map([
        ['Org3MSP', 0],
        ['Org1MSP', 50],
        ['Org2MSP', 30],
      ]),
      threshold: MORE_THAN_HALF,
      floorWeight: 5,
    });
    assert.equal(epochPolicyRecordJson(again, 7), json);
  });

  it('refuses to write a record holding a float, whose decimal form differs between languages', () => {
    const fractional = { ...compiled, weights: { ...compiled.weights, Org1MSP: 0.5 } };
    assert.equal(recordError(() => epochPolicyRecordJson(fractional, 7)).code, 'INVALID_RECORD');
  });

  it('round-trips through parse and verifies against a recompilation', () => {
    const json = epochPolicyRecordJson(compiled, 3);
    const parsed = parseEpochPolicyRecord(json);
    assert.equal(verifyEpochPolicyRecord(parsed).policy, compiled.policy);
  });

  it('records unbounded limits as null and quantised outputs as fixed-point strings', () => {
    const stakes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`O${String(i)}`, 100 + 17 * i]));
    const quantised = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 1, maxTerms: 30 });
    assert.equal(quantised.quantised, true);
    const record = parseEpochPolicyRecord(epochPolicyRecordJson(quantised, 1));
    assert.match(record.output.errorBound.stake, /^[0-9]+\.[0-9]{6}$/);
    assert.ok(Number(record.output.errorBound.stake) >= quantised.errorBound.stake);
    assert.equal(verifyEpochPolicyRecord(record).policy, quantised.policy);
    const unbounded = compileStakePolicy({
      stakes,
      threshold: MORE_THAN_HALF,
      floorWeight: 1,
      maxTerms: Number.POSITIVE_INFINITY,
      maxPolicyLength: Number.POSITIVE_INFINITY,
    });
    const open = parseEpochPolicyRecord(epochPolicyRecordJson(unbounded, 2));
    assert.equal(open.input.maxTerms, null);
    assert.equal(verifyEpochPolicyRecord(open).quantised, false);
  });

  it('detects a tampered policy or weight', () => {
    const record = epochPolicyRecord(compiled, 3);
    const tampered = { ...record, output: { ...record.output, policy: "OR('Org2MSP.peer')" } };
    assert.notEqual(record.output.policy, tampered.output.policy);
    assert.equal(recordError(() => verifyEpochPolicyRecord(tampered)).code, 'POLICY_MISMATCH');
    const reweighted = { ...record, output: { ...record.output, weights: { ...record.output.weights, Org3MSP: 9 } } };
    assert.equal(recordError(() => verifyEpochPolicyRecord(reweighted)).code, 'POLICY_MISMATCH');
  });

  it('rejects malformed, incomplete or non-canonical JSON', () => {
    const json = epochPolicyRecordJson(compiled, 3);
    assert.equal(recordError(() => parseEpochPolicyRecord('{')).code, 'INVALID_RECORD');
    assert.equal(recordError(() => parseEpochPolicyRecord('{"schema":"isl.stake-policy/v1"}')).code, 'INVALID_RECORD');
    assert.equal(recordError(() => parseEpochPolicyRecord(JSON.stringify(JSON.parse(json), null, 2))).code, 'INVALID_RECORD');
    assert.equal(recordError(() => parseEpochPolicyRecord(json.replace('"epoch":3', '"epoch":3,"extra":1'))).code, 'INVALID_RECORD');
    assert.equal(recordError(() => epochPolicyRecord(compiled, -1)).code, 'INVALID_RECORD');
  });
});
