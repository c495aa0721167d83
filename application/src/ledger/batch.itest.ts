import { strict as assert } from 'node:assert';
import { peer } from '@hyperledger/fabric-protos';
import { audienceFor, createStatement, newStudyReference, type Fields, type StatementType } from '@isl/chaincode';
import { newParty, type Party } from '@isl/chaincode/testing';
import { getTestConsortium, testNetwork, type OrgConnection } from '@isl/network/testing';
import { LedgerClient } from './ledger-client';

interface Outcome {
  readonly index: number;
  readonly applied: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** A hospital's source with one study per patient, defined through its own organisation. */
interface Hospital {
  readonly org: OrgConnection;
  readonly source: Party;
  readonly studies: { readonly study: string; readonly patient: Party }[];
}

/**
 * SubmitBatch on the real network: statements on studies of two organisations' sources, relayed by a
 * third, need both owners' peers (the key-level policies of the records they change) besides the
 * chaincode policy; the Fabric Gateway plans that from the simulation's chaincode interest.
 */
describe('several statements in one transaction (real network)', function () {
  this.timeout(300_000);
  let orgs: OrgConnection[] = [];
  let audience: string;
  let a: Hospital;
  let b: Hospital;
  let relay: OrgConnection;

  const statement = <T extends StatementType>(type: T, fields: Fields<T>, signer: Party): Promise<string> =>
    createStatement(type, fields, signer.privateJwk, { audience });
  const allow = (h: Hospital, i: number, recipient: Party): Promise<string> => {
    const s = h.studies[i];
    assert.ok(s);
    return statement('AllowAccess', { source: h.source.id, study: s.study, recipient: recipient.id, until: Math.floor(Date.now() / 1000) + 3600 }, s.patient);
  };
  const revoke = (h: Hospital, i: number, recipient: Party): Promise<string> => {
    const s = h.studies[i];
    assert.ok(s);
    return statement('RevokeAccess', { source: h.source.id, study: s.study, recipient: recipient.id }, s.patient);
  };
  const ledgerOf = (org: OrgConnection): LedgerClient => new LedgerClient(org.contract);
  const synced = (block: bigint): Promise<void> => getTestConsortium().waitForSameHeight(60_000, Number(block) + 1);

  async function hospital(org: OrgConnection, studies: number): Promise<Hospital> {
    const source = await newParty('ES256');
    const ledger = ledgerOf(org);
    await ledger.submit('DefineSource', [await statement('DefineSource', { url: `https://pacs.${org.mspId.toLowerCase()}.example/iti43` }, source)]);
    const defined: Hospital['studies'] = [];
    for (let i = 0; i < studies; i++) {
      const [patient, study] = [await newParty('EdDSA'), newStudyReference()];
      const consent = await statement('PatientConsent', { source: source.id, study }, patient);
      const s = await ledger.submit('DefineStudy', [await statement('DefineStudy', { study, consent }, source)]);
      await synced(s.blockNumber);
      defined.push({ study, patient });
    }
    return { org, source, studies: defined };
  }

  async function checkOnEveryPeer(h: Hospital, i: number, recipient: Party): Promise<(string | true)[]> {
    const s = h.studies[i];
    assert.ok(s);
    return Promise.all(
      orgs.map(async (org) => {
        const answer = JSON.parse(new TextDecoder().decode(await org.contract.evaluateTransaction('CheckAccess', h.source.id, s.study, recipient.id, ''))) as {
          allowed: boolean;
          reason?: string;
        };
        return answer.allowed || (answer.reason ?? 'denied');
      }),
    );
  }

  before(async () => {
    const network = testNetwork();
    audience = audienceFor(network.channelName, network.chaincodeName);
    orgs = await Promise.all(network.organisations.map((mspId) => network.connect(mspId)));
    const [first, second, third] = orgs;
    assert.ok(first && second && third, 'the test network has three organisations');
    relay = third;
    a = await hospital(first, 3);
    b = await hospital(second, 3);
  });

  after(() => {
    for (const org of orgs) org.close();
  });

  it("applies grants and revocations on two organisations' studies, relayed by a third; refuses the invalid and the conflicting; idempotent when resent", async () => {
    const [doctor, nurse] = [await newParty('ES256'), await newParty('ES256')];
    // Existing grants, so the batch changes records under each owner's key-level policy.
    const earlier = await ledgerOf(relay).submit('SubmitBatch', [JSON.stringify([await allow(a, 0, nurse), await allow(b, 0, nurse)])]);
    await synced(earlier.blockNumber);

    const expired = await statement(
      'AllowAccess',
      { source: a.source.id, study: a.studies[1]?.study ?? '', recipient: doctor.id, until: Math.floor(Date.now() / 1000) - 60 },
      a.studies[1]?.patient ?? doctor,
    );
    const statements = [
      await allow(a, 0, doctor),
      await allow(b, 0, doctor),
      await revoke(a, 0, nurse),
      await revoke(b, 0, nurse),
      await allow(a, 1, nurse),
      await allow(b, 2, nurse),
      expired,
      await revoke(b, 2, nurse),
    ];
    const submitted = await ledgerOf(relay).submit<{ results: Outcome[] }>('SubmitBatch', [JSON.stringify(statements)]);
    const results = submitted.result.results;
    assert.deepEqual(
      results.map((r) => (r.applied ? 'applied' : r.code)),
      ['applied', 'applied', 'applied', 'applied', 'applied', 'applied', 'GRANT_EXPIRY_INVALID', 'BATCH_KEY_CONFLICT'],
    );
    await synced(submitted.blockNumber);

    // Every peer of every organisation holds the batch's outcome.
    assert.deepEqual(await checkOnEveryPeer(a, 0, doctor), [true, true, true]);
    assert.deepEqual(await checkOnEveryPeer(b, 0, doctor), [true, true, true]);
    assert.deepEqual(await checkOnEveryPeer(a, 0, nurse), ['GRANT_REVOKED', 'GRANT_REVOKED', 'GRANT_REVOKED']);
    assert.deepEqual(await checkOnEveryPeer(b, 0, nurse), ['GRANT_REVOKED', 'GRANT_REVOKED', 'GRANT_REVOKED']);
    assert.deepEqual(await checkOnEveryPeer(a, 1, nurse), [true, true, true]);
    assert.deepEqual(await checkOnEveryPeer(b, 2, nurse), [true, true, true], 'the conflicting revocation changed nothing');
    assert.deepEqual(await checkOnEveryPeer(a, 1, doctor), ['NO_GRANT', 'NO_GRANT', 'NO_GRANT'], 'the refused grant wrote nothing');

    // Resent as a whole (e.g. after an unknown outcome): nothing applies twice. Each answers as it would alone:
    // a grant as a replay naming the first transaction; a revocation GRANT_NOT_ACTIVE (its rule checks the grant
    // first). The revocation refused for its conflict now applies: the grant it conflicted with is a replay.
    const again = await ledgerOf(relay).submit<{ results: Outcome[] }>('SubmitBatch', [JSON.stringify(statements)]);
    assert.deepEqual(
      again.result.results.map((r) => (r.applied ? 'applied' : r.code)),
      [
        'STATEMENT_REPLAYED',
        'STATEMENT_REPLAYED',
        'GRANT_NOT_ACTIVE',
        'GRANT_NOT_ACTIVE',
        'STATEMENT_REPLAYED',
        'STATEMENT_REPLAYED',
        'GRANT_EXPIRY_INVALID',
        'applied',
      ],
    );
    for (const r of again.result.results.filter((o) => o.code === 'STATEMENT_REPLAYED')) {
      assert.match(r.message ?? '', new RegExp(`in transaction ${submitted.transactionId}$`));
    }
    await synced(again.blockNumber);
    assert.deepEqual(await checkOnEveryPeer(b, 2, nurse), ['GRANT_REVOKED', 'GRANT_REVOKED', 'GRANT_REVOKED']);
    assert.deepEqual(await checkOnEveryPeer(a, 0, doctor), [true, true, true], 'the replayed grants changed nothing');
  });

  it('is invalidated when endorsed without one owner organisation whose record it changes: the key-level policies add up', async () => {
    const recipient = await newParty('ES256');
    const first = await ledgerOf(relay).submit('SubmitBatch', [JSON.stringify([await allow(a, 2, recipient), await allow(b, 1, recipient)])]);
    await synced(first.blockNumber);
    // Revoking both grants changes a record of each owner: the relay and owner A satisfy the chaincode policy (2 of 3) but not B's key.
    const batch = JSON.stringify([await revoke(a, 2, recipient), await revoke(b, 1, recipient)]);
    const proposal = relay.contract.newProposal('SubmitBatch', { arguments: [batch], endorsingOrganizations: [relay.mspId, a.org.mspId] });
    const status = await (await (await proposal.endorse()).submit()).getStatus();
    assert.equal(status.code, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    await synced(status.blockNumber);
    assert.deepEqual(await checkOnEveryPeer(a, 2, recipient), [true, true, true], 'nothing of the invalidated batch took effect');
    // Planned by the Fabric Gateway, the same batch gets both owners' endorsements and commits.
    const planned = await ledgerOf(relay).submit<{ results: Outcome[] }>('SubmitBatch', [batch]);
    assert.deepEqual(
      planned.result.results.map((r) => r.applied),
      [true, true],
    );
    await synced(planned.blockNumber);
    assert.deepEqual(await checkOnEveryPeer(b, 1, recipient), ['GRANT_REVOKED', 'GRANT_REVOKED', 'GRANT_REVOKED']);
  });
});
