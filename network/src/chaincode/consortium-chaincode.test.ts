import { strict as assert } from 'node:assert';
import { organisationAt, type Organisation } from '../topology/topology';
import { ConsortiumChaincode } from './consortium-chaincode';
import type { ChaincodeDeployment, EndorsingPeer } from './deployment';

/** A deployment that records what it was asked, as which member. */
function recordingDeployment(member: string, calls: string[]): ChaincodeDeployment {
  const fake = {
    approve: (org: Organisation, packageId: string, sequence: number, policy?: string) => {
      calls.push(`${member}: approve ${org.mspId} ${packageId} ${String(sequence)} ${policy ?? '-'}`);
      return Promise.resolve();
    },
    approvals: (sequence: number) => {
      calls.push(`${member}: approvals ${String(sequence)}`);
      return Promise.resolve({ [member]: true });
    },
    commit: (sequence: number, policy?: string, endorsers?: readonly EndorsingPeer[]) => {
      calls.push(`${member}: commit ${String(sequence)} ${policy ?? '-'} by ${(endorsers ?? []).map((e) => String(e.endpoint.port)).join(',')}`);
      return Promise.resolve();
    },
    committed: () => {
      calls.push(`${member}: committed`);
      return Promise.resolve(undefined);
    },
  };
  return fake as unknown as ChaincodeDeployment;
}

describe('ConsortiumChaincode', () => {
  const orgs = ['hospital1', 'hospital2', 'hospital3'].map((name, i) =>
    organisationAt({ name, mspId: `H${String(i + 1)}MSP`, description: name, peers: 1 }, 7000 + 100 * i, '127.0.0.1'),
  );
  let calls: string[];
  let chaincode: ConsortiumChaincode;

  beforeEach(() => {
    calls = [];
    chaincode = new ConsortiumChaincode(
      orgs.map((org) => ({ org, deployment: recordingDeployment(org.name, calls), packageId: () => `pkg-${org.name}` })),
      () => orgs.map((o) => ({ endpoint: o.peers[0]?.endpoint ?? o.gateway, tlsCaCert: `${o.name}.pem` })),
    );
  });

  it("approves as the organisation's own member (its admin, its peer), never through another's deployment", async () => {
    const [, second] = orgs;
    assert.ok(second);
    await chaincode.approve(second, 'pkg-hospital2', 2, "OR('H2MSP.peer')");
    assert.deepEqual(calls, ["hospital2: approve H2MSP pkg-hospital2 2 OR('H2MSP.peer')"]);
  });

  it('reads readiness and commits through the first member, endorsed by one peer of every member', async () => {
    await chaincode.approvals(3);
    await chaincode.commit(3);
    assert.deepEqual(calls, ['hospital1: approvals 3', 'hospital1: commit 3 - by 7020,7120,7220']);
  });

  it("reads the committed definition from the organisation's own peer, the first member's by default, and each one's own package ID", async () => {
    await chaincode.committed(orgs[2]);
    await chaincode.committed();
    assert.deepEqual(calls, ['hospital3: committed', 'hospital1: committed']);
    assert.equal(chaincode.packageId({ name: 'hospital3' }), 'pkg-hospital3');
    assert.throws(() => chaincode.packageId({ name: 'hospital9' }), /no member hospital9/);
  });
});
