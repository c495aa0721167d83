import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { AccessPolicy } from './access-policy';

describe('access policy: the view while it is live, else the peer', () => {
  // Canonical ids: 32 bytes, so the 43rd character carries 4 bits and its last 2 are zero.
  const study = `${'S'.repeat(42)}A`;
  const recipient = `${'R'.repeat(42)}Q`;

  it('asks the peer (CheckAccess, now) when the view cannot answer', async () => {
    const evaluate = sinon.stub().resolves({ allowed: false, reason: 'GRANT_REVOKED' });
    const decide = sinon.stub().returns(undefined);
    const policy = new AccessPolicy({ evaluate }, 'src', { decide });
    assert.deepEqual(await policy.check(study, recipient), { allowed: false, reason: 'GRANT_REVOKED' });
    assert.deepEqual(evaluate.firstCall.args, ['CheckAccess', ['src', study, recipient, '']]);
    assert.deepEqual(policy.answered, { view: 0, peer: 1 });
  });

  it("takes the view's answer, for the time of the check, without asking the peer", async () => {
    const evaluate = sinon.stub().rejects(new Error('not asked'));
    const decide = sinon.stub().returns(Promise.resolve({ allowed: true, at: '', breakGlass: { statement: 'digest' } }));
    const policy = new AccessPolicy({ evaluate }, 'src', { decide });
    const before = Date.now();
    assert.deepEqual(await policy.check(study, recipient), { allowed: true, breakGlass: 'digest' });
    assert.equal(evaluate.called, false);
    const [s, r, at] = decide.firstCall.args as [string, string, number];
    assert.deepEqual([s, r], [study, recipient]);
    assert.ok(at >= before && at <= Date.now());
    assert.deepEqual(policy.answered, { view: 1, peer: 0 });
  });

  it('refuses an id in any other spelling as not found, asking neither the view nor the peer (the peer would refuse the argument)', async () => {
    const evaluate = sinon.stub().rejects(new Error('not asked'));
    const decide = sinon.stub().returns(undefined);
    const policy = new AccessPolicy({ evaluate }, 'src', { decide });
    // 43 base64url characters whose last one carries bits beyond the 32 bytes: no record has this id.
    assert.deepEqual(await policy.check('S'.repeat(43), recipient), { allowed: false, reason: 'STUDY_NOT_FOUND' });
    assert.deepEqual(await policy.check(study, 'R'.repeat(43)), { allowed: false, reason: 'NO_GRANT' });
    assert.deepEqual(await policy.check(`${study}A`, recipient), { allowed: false, reason: 'STUDY_NOT_FOUND' });
    assert.equal(evaluate.called || decide.called, false);
  });
});
