import assert from 'node:assert/strict';
import { createPolicyEvaluator, evaluateSignaturePolicy, isSatisfiedBy, type SigningIdentity } from './evaluator';
import { parseSignaturePolicy } from './parser';

const peer = (mspId: string, id?: string): SigningIdentity => (id === undefined ? { mspId, role: 'peer' } : { mspId, role: 'peer', id });

// Expected values below were checked against Fabric v2.5.9 itself (policydsl.FromString +
// cauthdsl EvaluateIdentities with stub identities); see docs/stake-policy.md.
describe('evaluateSignaturePolicy (Fabric cauthdsl semantics)', () => {
  it('evaluates AND, OR and OutOf over organisations', () => {
    const policy = "OR(AND('A.peer', 'B.peer'), OutOf(2, 'C.peer', 'D.peer', 'E.peer'))";
    assert.equal(isSatisfiedBy(policy, ['A', 'B']), true);
    assert.equal(isSatisfiedBy(policy, ['A', 'C']), false);
    assert.equal(isSatisfiedBy(policy, ['C', 'E']), true);
    assert.equal(isSatisfiedBy(policy, ['E']), false);
    assert.equal(isSatisfiedBy(policy, []), false);
    assert.equal(isSatisfiedBy(policy, ['X', 'Y', 'Z']), false);
  });

  it('counts a repeated principal once per distinct signing identity, not once per organisation', () => {
    const policy = "OutOf(2, 'A.peer', 'A.peer', 'B.peer')";
    assert.equal(evaluateSignaturePolicy(policy, [peer('A', 'p1')]), false);
    assert.equal(evaluateSignaturePolicy(policy, [peer('A', 'p1'), peer('A', 'p2')]), true);
    assert.equal(evaluateSignaturePolicy(policy, [peer('A', 'p1'), peer('B', 'p1')]), true);
    assert.equal(isSatisfiedBy("AND('A.peer', 'A.peer')", ['A']), false);
  });

  it('de-duplicates the same identity signing twice', () => {
    assert.equal(evaluateSignaturePolicy("AND('A.peer', 'A.peer')", [peer('A', 'p1'), peer('A', 'p1')]), false);
    assert.equal(evaluateSignaturePolicy("AND('A.peer', 'A.peer')", [peer('A', 'p1'), peer('A', 'p2')]), true);
  });

  it('matches roles: member accepts any identity of the MSP, other roles need that role', () => {
    const admin: SigningIdentity = { mspId: 'A', role: 'admin' };
    assert.equal(evaluateSignaturePolicy("AND('A.member')", [admin]), true);
    assert.equal(evaluateSignaturePolicy("AND('A.peer')", [admin]), false);
    assert.equal(evaluateSignaturePolicy("AND('A.admin')", [admin]), true);
    assert.equal(evaluateSignaturePolicy("AND('B.member')", [admin]), false);
  });

  it('assigns identities greedily in order, like Fabric (not an optimal matching)', () => {
    const policy = "OutOf(2, 'A.member', 'A.peer')";
    const admin: SigningIdentity = { mspId: 'A', role: 'admin' };
    // The peer is used up by 'A.member' first, leaving only the admin for 'A.peer'.
    assert.equal(evaluateSignaturePolicy(policy, [peer('A'), admin]), false);
    assert.equal(evaluateSignaturePolicy(policy, [admin, peer('A')]), true);
  });

  it('keeps identities consumed by every succeeding sub-rule (no short-circuit)', () => {
    // OR consumes both A and B, so the second 'B.peer' finds nothing left.
    assert.equal(isSatisfiedBy("OutOf(2, OR('A.peer', 'B.peer'), 'B.peer')", ['A', 'B']), false);
    assert.equal(isSatisfiedBy("OutOf(2, 'B.peer', OR('A.peer', 'B.peer'))", ['A', 'B']), true);
  });

  it('gives back identities consumed by a failed sub-rule', () => {
    // AND('A','C') fails after taking A; A must still be available to the next branch.
    assert.equal(isSatisfiedBy("OutOf(2, AND('A.peer', 'C.peer'), 'A.peer', 'B.peer')", ['A', 'B']), true);
  });

  it('treats OutOf(0, ...) as always and OutOf(n+1, ...) as never satisfied', () => {
    assert.equal(isSatisfiedBy("OutOf(0, 'A.peer')", []), true);
    assert.equal(isSatisfiedBy("OutOf(2, 'A.peer')", ['A']), false);
  });

  it('accepts a string, a parsed policy or a rule, and reuses a prepared evaluator', () => {
    const text = "OutOf(2, 'A.peer', 'B.peer', 'C.peer')";
    const parsed = parseSignaturePolicy(text);
    assert.equal(isSatisfiedBy(parsed, ['A', 'C']), true);
    assert.equal(isSatisfiedBy(parsed.rule, ['A']), false);
    const evaluate = createPolicyEvaluator(text);
    assert.equal(evaluate([peer('B'), peer('C')]), true);
    assert.equal(evaluate([peer('B')]), false);
  });

  it('counts an organisation listed twice once', () => {
    assert.equal(isSatisfiedBy("AND('A.peer', 'A.peer')", ['A', 'A']), false);
  });
});
