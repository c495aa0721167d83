import * as assert from 'node:assert/strict';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { describeValidationParameter } from './policy-text';

function principal(mspId: string, role: 0 | 1 | 2 | 3): msp.MSPPrincipal {
  const r = new msp.MSPRole();
  r.setMspIdentifier(mspId);
  r.setRole(role);
  const p = new msp.MSPPrincipal();
  p.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
  p.setPrincipal(r.serializeBinary());
  return p;
}

function signedBy(index: number): common.SignaturePolicy {
  const s = new common.SignaturePolicy();
  s.setSignedBy(index);
  return s;
}

function outOf(n: number, rules: common.SignaturePolicy[]): common.SignaturePolicy {
  const g = new common.SignaturePolicy.NOutOf();
  g.setN(n);
  g.setRulesList(rules);
  const s = new common.SignaturePolicy();
  s.setNOutOf(g);
  return s;
}

function envelope(rule: common.SignaturePolicy, identities: msp.MSPPrincipal[]): Uint8Array {
  const env = new common.SignaturePolicyEnvelope();
  env.setRule(rule);
  env.setIdentitiesList(identities);
  const app = new peer.ApplicationPolicy();
  app.setSignaturePolicy(env);
  return app.serializeBinary();
}

describe('describeValidationParameter', () => {
  it('renders a channel policy reference as its path', () => {
    const app = new peer.ApplicationPolicy();
    app.setChannelConfigPolicyReference('/Channel/Application/Endorsement');
    assert.equal(describeValidationParameter(app.serializeBinary()), '/Channel/Application/Endorsement');
  });

  it('renders a stake-weighted signature policy in --signature-policy syntax', () => {
    const ids = [principal('Hospital1MSP', 3), principal('Hospital2MSP', 3), principal('Hospital3MSP', 3)];
    const rule = outOf(1, [outOf(2, [signedBy(0), signedBy(1)]), outOf(2, [signedBy(0), signedBy(2)]), outOf(2, [signedBy(1), signedBy(2)])]);
    assert.equal(
      describeValidationParameter(envelope(rule, ids)),
      "OR(AND('Hospital1MSP.peer', 'Hospital2MSP.peer'), AND('Hospital1MSP.peer', 'Hospital3MSP.peer'), AND('Hospital2MSP.peer', 'Hospital3MSP.peer'))",
    );
  });

  it('spells k-out-of-n gates as OutOf and keeps roles', () => {
    const ids = [principal('A', 3), principal('B', 1), principal('C', 0)];
    assert.equal(describeValidationParameter(envelope(outOf(2, [signedBy(0), signedBy(1), signedBy(2)]), ids)), "OutOf(2, 'A.peer', 'B.admin', 'C.member')");
    assert.equal(describeValidationParameter(envelope(outOf(1, [signedBy(0)]), ids)), "OR('A.peer')");
  });

  it('refuses a signed_by index that names no identity', () => {
    assert.throws(() => describeValidationParameter(envelope(outOf(1, [signedBy(5)]), [principal('A', 3)])), /names no identity/);
  });
});
