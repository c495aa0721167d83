import * as assert from 'node:assert/strict';
import type { Contract } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { getTestConsortium, type OrgConnection, testNetwork } from '@isl/network/testing';
import { audienceFor, createStatement, newStudyReference, type Fields, type StatementType } from './statement';
import { newParty, type Party } from './testing/fixture';

const CHANNEL_POLICY = '/Channel/Application/Endorsement';
const decoder = new TextDecoder();

/**
 * Key-level endorsement replaces the chaincode policy for its key; every write transaction
 * also writes a key without one (used/<digest>), so the owner organisation alone cannot
 * change its own records: the chaincode policy (here the channel's MAJORITY) still applies.
 */
describe('key-level endorsement does not lift the chaincode policy (real network)', function () {
  this.timeout(300_000);

  let orgs: OrgConnection[] = [];
  let owner: OrgConnection;
  let others: OrgConnection[];
  let audience: string;
  let hospital: Party;

  const statement = <T extends StatementType>(type: T, fields: Fields<T>, signer: Party) => createStatement(type, fields, signer.privateJwk, { audience });

  /** Endorses on exactly these organisations' peers (fabric-gateway's proposal API), submits, and returns the validation code. */
  async function submitEndorsedBy(contract: Contract, name: string, jws: string, endorsers: readonly OrgConnection[]): Promise<number> {
    const proposal = contract.newProposal(name, { arguments: [jws], endorsingOrganizations: endorsers.map((o) => o.mspId) });
    const commit = await (await proposal.endorse()).submit();
    const status = await commit.getStatus();
    // getStatus() waits for the gateway's own peer only: the next proposal may be endorsed on
    // another organisation's peer, which must hold this block first, or its simulation fails.
    await getTestConsortium().waitForSameHeight(60_000, Number(status.blockNumber) + 1);
    return status.code;
  }

  async function evaluate(name: string, ...args: string[]): Promise<Record<string, unknown>> {
    return JSON.parse(decoder.decode(await owner.contract.evaluateTransaction(name, ...args))) as Record<string, unknown>;
  }

  before(async () => {
    const network = testNetwork();
    audience = audienceFor(network.channelName, network.chaincodeName);
    orgs = await Promise.all(network.organisations.map((mspId) => network.connect(mspId)));
    const [first, ...rest] = orgs;
    assert.ok(first !== undefined && rest.length >= 2, 'the test network has at least three organisations');
    owner = first;
    others = rest;
    // The property needs a chaincode policy no single organisation satisfies.
    const committed = await getTestConsortium().chaincode.committed();
    assert.equal(committed?.endorsementPolicy, CHANNEL_POLICY, 'the channel MAJORITY policy is in force (stake epochs restore it)');
    hospital = await newParty('ES256');
    const defined = await owner.contract.submitAsync('DefineSource', {
      arguments: [await statement('DefineSource', { url: 'https://pacs.owner.example/iti43' }, hospital)],
    });
    const status = await defined.getStatus();
    assert.equal(status.code, peer.TxValidationCode.VALID);
    await getTestConsortium().waitForSameHeight(60_000, Number(status.blockNumber) + 1);
  });

  after(() => {
    for (const org of orgs) {
      org.close();
    }
  });

  it("refuses an update of the owner's source endorsed only by the owner: ENDORSEMENT_POLICY_FAILURE, nothing changes", async () => {
    const alone = await statement('UpdateSourceUrl', { url: 'https://pacs.alone.example/iti43' }, hospital);
    assert.equal(await submitEndorsedBy(owner.contract, 'UpdateSourceUrl', alone, [owner]), peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    assert.equal((await evaluate('GetSource', hospital.id)).url, 'https://pacs.owner.example/iti43');

    // Not enough either: a majority without the owner (the key-level policy is not met).
    const withoutOwner = await statement('UpdateSourceUrl', { url: 'https://pacs.others.example/iti43' }, hospital);
    assert.equal(await submitEndorsedBy(owner.contract, 'UpdateSourceUrl', withoutOwner, others), peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    assert.equal((await evaluate('GetSource', hospital.id)).url, 'https://pacs.owner.example/iti43');

    // The owner with one more organisation meets both: the refusals above were the policies, not the statements.
    const both = await statement('UpdateSourceUrl', { url: 'https://pacs.both.example/iti43' }, hospital);
    assert.equal(await submitEndorsedBy(owner.contract, 'UpdateSourceUrl', both, [owner, others[0] ?? owner]), peer.TxValidationCode.VALID);
    assert.equal((await evaluate('GetSource', hospital.id)).url, 'https://pacs.both.example/iti43');
  });

  it("refuses revoking, denying and rotating on the owner's records when endorsed only by the owner", async () => {
    const [patient, doctor, recovery, next] = await Promise.all([newParty(), newParty(), newParty(), newParty()]);
    const study = newStudyReference();
    const consent = await statement('PatientConsent', { source: hospital.id, study, recovery: recovery.id }, patient);
    const pair = [owner, others[0] ?? owner];
    assert.equal(
      await submitEndorsedBy(owner.contract, 'DefineStudy', await statement('DefineStudy', { study, consent }, hospital), pair),
      peer.TxValidationCode.VALID,
    );
    const until = Math.floor(Date.now() / 1000) + 600;
    assert.equal(
      await submitEndorsedBy(
        owner.contract,
        'AllowAccess',
        await statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until }, patient),
        pair,
      ),
      peer.TxValidationCode.VALID,
    );
    assert.equal(
      await submitEndorsedBy(
        owner.contract,
        'RequestAccess',
        await statement('RequestAccess', { source: hospital.id, study, purpose: 'HRESCH' }, recovery),
        pair,
      ),
      peer.TxValidationCode.VALID,
    );

    const attempts: [string, string][] = [
      ['RevokeAccess', await statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient)],
      ['DenyAccess', await statement('DenyAccess', { source: hospital.id, study, recipient: recovery.id, reason: 'OTHER' }, patient)],
      ['RotateOwnerKey', await statement('RotateOwnerKey', { source: hospital.id, study, patient: next.id }, recovery)],
    ];
    for (const [name, jws] of attempts) {
      assert.equal(await submitEndorsedBy(owner.contract, name, jws, [owner]), peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE, name);
    }
    assert.equal((await evaluate('CheckAccess', hospital.id, study, doctor.id, '')).allowed, true, 'the grant stands');
    assert.equal((await evaluate('GetStudy', hospital.id, study)).patient, patient.id, 'the owner key stands');
    const requests = JSON.parse(decoder.decode(await owner.contract.evaluateTransaction('ListRequests', hospital.id, study))) as { status: string }[];
    assert.deepEqual(
      requests.map((r) => r.status),
      ['pending'],
      'the request stands',
    );
  });
});
