import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { AccessPolicy } from './access-policy';

describe('access policy: the view while it is live, else the peer', () => {
  const study = 'S'.repeat(43);
  const recipient = 'R'.repeat(43);

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
});
