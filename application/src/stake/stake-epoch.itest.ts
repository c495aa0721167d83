import * as assert from 'node:assert/strict';
import type { Contract } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { getTestConsortium, testNetwork } from '@isl/network/testing';
import { getTestServices } from '../testing/root-hooks';
import { GatewayClient, GatewayHttpError } from '../client/gateway-client';
import { audienceFor, createStatement, generateStatementKey, newStudyReference, thumbprint } from '@isl/chaincode';
import { auditLedger, type AuditReport } from '../audit/audit-report';
import { BlockReader } from '../audit/block-reader';
import { orderingActivity } from '../audit/ordering';
import { orderersOf, type StakeActivity } from '@isl/network';
import { recordHistory } from '../audit/history';
import { EpochRotation, type EpochProposal } from './epoch-rotation';
import { compileStakePolicy, isSatisfiedBy, MORE_THAN_HALF, pickEndorsers } from './policy';

const CHANNEL_POLICY = '/Channel/Application/Endorsement';

/** A fresh source's DefineSource statement: a transaction with only chaincode-level endorsement to satisfy. */
async function defineSourceStatement(): Promise<string> {
  const { privateJwk } = await generateStatementKey('ES256');
  const net = testNetwork();
  return createStatement('DefineSource', { url: 'https://images.example.org/iti43' }, privateJwk, {
    audience: audienceFor(net.channelName, net.chaincodeName),
  });
}

/** Endorses on exactly these organisations' peers, submits, and returns the commit status. */
async function submitEndorsedBy(contract: Contract, orgs: readonly string[] | undefined): Promise<{ txId: string; code: number; block: number }> {
  const args = [await defineSourceStatement()];
  const proposal = contract.newProposal('DefineSource', orgs === undefined ? { arguments: args } : { arguments: args, endorsingOrganizations: [...orgs] });
  const commit = await (await proposal.endorse()).submit();
  const status = await commit.getStatus();
  return { txId: status.transactionId, code: status.code, block: Number(status.blockNumber) };
}

/**
 * What stake padding looks like: a source of the organisation publishes `count` studies under
 * self-made patient keys, and only `granted` of them are ever granted to anyone.
 */
async function publishStudies(contract: Contract, count: number, granted: number): Promise<void> {
  const net = testNetwork();
  const options = () => ({ audience: audienceFor(net.channelName, net.chaincodeName) });
  const submit = async (name: string, jws: string): Promise<void> => {
    const status = await (await contract.submitAsync(name, { arguments: [jws] })).getStatus();
    assert.equal(status.code, peer.TxValidationCode.VALID, name);
  };
  const source = await generateStatementKey('ES256');
  const sourceId = await thumbprint(source.publicJwk);
  await submit('DefineSource', await createStatement('DefineSource', { url: 'https://padding.example/iti43' }, source.privateJwk, options()));
  for (let i = 0; i < count; i += 1) {
    const patient = await generateStatementKey('EdDSA');
    const study = newStudyReference();
    const consent = await createStatement('PatientConsent', { source: sourceId, study }, patient.privateJwk, options());
    await submit('DefineStudy', await createStatement('DefineStudy', { study, consent }, source.privateJwk, options()));
    if (i < granted) {
      const recipient = await thumbprint((await generateStatementKey('EdDSA')).publicJwk);
      await submit(
        'AllowAccess',
        await createStatement('AllowAccess', { source: sourceId, study, recipient, until: Math.floor(Date.now() / 1000) + 600 }, patient.privateJwk, options()),
      );
    }
  }
}

/** The validation code one peer recorded for a transaction, read from that peer itself (qscc through its CLI). */
async function validationCodeAt(peerName: string, txId: string): Promise<number> {
  const c = getTestConsortium();
  const node = c.peers.get(peerName);
  assert.ok(node, `no peer ${peerName}`);
  const out = await node.cli([
    'chaincode',
    'query',
    '-C',
    c.topology.channel,
    '-n',
    'qscc',
    '--hex',
    '-c',
    JSON.stringify({ Args: ['GetTransactionByID', c.topology.channel, txId] }),
  ]);
  const hex = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f]+$/.test(l))
    .sort((a, b) => b.length - a.length)[0];
  assert.ok(hex, `no transaction bytes from ${peerName}: ${out}`);
  return peer.ProcessedTransaction.deserializeBinary(Buffer.from(hex, 'hex')).getValidationcode();
}

describe('stake epochs on the real network', function () {
  this.timeout(600_000);
  const consortium = () => getTestConsortium();
  let rotation: EpochRotation;
  let proposal: EpochProposal;
  let epochBlock: number;

  before(() => {
    rotation = new EpochRotation({ consortium: consortium() });
  });

  after(async () => {
    // Leave the shared network with its original MAJORITY policy for the other test files.
    const committed = await consortium().chaincode.committed();
    if (committed?.endorsementPolicy !== CHANNEL_POLICY) {
      await rotation.rotate({ channelPolicy: true });
    }
  });

  it('rotates to the stake policy: the proposal reports stake changes and padding, a refused epoch does not commit, each admin approves, commit, RecordEpoch', async () => {
    const before = await consortium().chaincode.committed();
    assert.equal(before?.endorsementPolicy, CHANNEL_POLICY);
    const orgs = consortium().topology.organisations.map((o) => o.mspId);
    const [firstOrg, ...others] = orgs;
    assert.ok(firstOrg !== undefined && others.length > 1, 'three or more organisations, so two can refuse');

    // The first organisation pads its stake: 12 studies, one of them ever granted.
    const conn = rotation.connect(firstOrg);
    let epochsBefore: { sequence: number; recordedAt: string; stakes: Record<string, number> }[];
    let activityBefore: StakeActivity[];
    try {
      const contract = conn.gateway.getNetwork(consortium().topology.channel).getContract(consortium().topology.chaincode.name);
      epochsBefore = JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction('ListEpochs'))) as typeof epochsBefore;
      const since = epochsBefore.at(-1)?.recordedAt ?? '';
      activityBefore = JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction('GetStakeActivity', since))) as StakeActivity[];
      await publishStudies(contract, 12, 1);
    } finally {
      conn.close();
    }
    const stakes = await rotation.stakes();
    const expected = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: 1 });

    proposal = await rotation.propose();
    assert.equal(proposal.sequence, before.sequence + 1);
    assert.equal(proposal.policy, expected.policy);

    // The report every admin reviews: stakes then and now, and the use of the studies added since.
    const report = proposal.report;
    assert.equal(report.previousSequence, epochsBefore.at(-1)?.sequence ?? null);
    assert.deepEqual(Object.fromEntries(report.organisations.map((o) => [o.org, o.after])), stakes);
    const padded = report.organisations.find((o) => o.org === firstOrg);
    const was = activityBefore.find((a) => a.org === firstOrg) ?? { studiesSince: 0, usedSince: 0 };
    assert.deepEqual([padded?.newStudies, padded?.usedNewStudies], [was.studiesSince + 12, was.usedSince + 1]);
    // Earlier test files' studies share the window, so the flag is checked against the rule, not assumed.
    const unused = (padded?.usedNewStudies ?? 0) * 100 < 25 * (padded?.newStudies ?? 0);
    assert.equal(
      padded?.flags.some((f) => f.code === 'UNUSED_GROWTH'),
      unused,
      JSON.stringify(padded),
    );
    if (report.flagged.length > 0) {
      // The one-operator run does not approve a flagged epoch for everyone.
      await assert.rejects(rotation.rotate(), /flags .*--refuse/);
    }

    await rotation.approve(firstOrg);
    const pending = await rotation.pending();
    assert.deepEqual(pending?.approvals, Object.fromEntries(orgs.map((o) => [o, o === firstOrg])));
    await assert.rejects(rotation.commit(), /awaits approval by/);

    // The others refuse: no majority, so Fabric's lifecycle does not commit the definition either.
    for (const org of others) {
      await rotation.refuse(org, 'stake padding suspected');
    }
    const refused = await rotation.pending();
    assert.deepEqual(Object.keys(refused?.refusals ?? {}).sort(), [...others].sort());
    assert.deepEqual(refused?.approvals, Object.fromEntries(orgs.map((o) => [o, o === firstOrg])), 'refusing approves nothing');
    await assert.rejects(rotation.commit(), /refused by .*stake padding suspected/);
    await assert.rejects(rotation.refuse(firstOrg, 'too late'), /already approved/);
    await assert.rejects(consortium().chaincode.commit(proposal.sequence, proposal.policy), 'a direct lifecycle commit without a majority of approvals fails');
    assert.equal((await consortium().chaincode.committed())?.sequence, before.sequence, 'the epoch did not commit');

    // They review again and approve: approving withdraws the refusal.
    for (const org of others) {
      await rotation.approve(org);
    }
    assert.deepEqual((await rotation.pending())?.approvals, Object.fromEntries(orgs.map((o) => [o, true])));
    assert.deepEqual((await rotation.pending())?.refusals, {});

    const committed = await rotation.commit();
    epochBlock = committed.block;
    assert.equal(committed.sequence, proposal.sequence);
    assert.ok(committed.recordTxId);
    assert.equal(await rotation.pending(), undefined, 'no proposal stays open');

    const status = await consortium().status();
    assert.equal(status.chaincode.sequence, proposal.sequence);
    assert.equal(status.chaincode.endorsementPolicy, expected.policy, 'status shows the stake-weighted policy as text');

    const reader = rotation.connect(firstOrg);
    try {
      const contract = reader.gateway.getNetwork(consortium().topology.channel).getContract(consortium().topology.chaincode.name);
      const epochs = JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction('ListEpochs'))) as {
        sequence: number;
        block: number;
        policy: string;
        stakes: Record<string, number>;
      }[];
      const last = epochs.at(-1);
      assert.equal(last?.sequence, proposal.sequence);
      assert.equal(last.block, committed.block);
      assert.equal(last.policy, expected.policy);
      assert.deepEqual(last.stakes, stakes);
      const history = (await recordHistory(contract, `epoch/${String(proposal.sequence).padStart(10, '0')}`)) as { history: { txId: string }[] };
      assert.deepEqual(
        history.history.map((h) => h.txId),
        [committed.recordTxId],
      );
      // A client identity is not an admin: the chaincode refuses to record an epoch from it.
      await assert.rejects(
        contract.submitTransaction('RecordEpoch', JSON.stringify({ sequence: proposal.sequence + 1, block: 0, compiled: {} })),
        (err: Error & { details?: { message: string }[] }) => JSON.stringify(err.details ?? err.message).includes('ADMIN_REQUIRED'),
      );
    } finally {
      reader.close();
    }
  });

  it('enforces the policy: a losing set is invalidated by every peer, a winning coalition and automatic endorsement commit; the audit counts exactly that', async () => {
    assert.ok(proposal.policy !== undefined);
    const orgs = consortium().topology.organisations.map((o) => o.mspId);
    const compiled = compileStakePolicy({ stakes: proposal.stakes, threshold: MORE_THAN_HALF, floorWeight: 1 });
    const loser = orgs.find((o) => !isSatisfiedBy(compiled.policy, [o]));
    const coalition = pickEndorsers(compiled, orgs);
    assert.ok(loser !== undefined && coalition !== undefined, `policy ${compiled.policy}`);
    const submitter = coalition[0] ?? loser;

    const loserConn = rotation.connect(loser);
    const winnerConn = rotation.connect(submitter);
    try {
      const channel = consortium().topology.channel;
      const name = consortium().topology.chaincode.name;
      const loserNet = loserConn.gateway.getNetwork(channel);
      const reader = new BlockReader(loserNet);
      await consortium().waitForSameHeight();
      const from = await reader.height();
      const leaderBefore = await consortium().waitForLeader();
      const orderers = orderersOf(consortium().connectionProfile());
      const cutBefore = await orderingActivity(orderers, channel);

      const rejected = await submitEndorsedBy(loserNet.getContract(name), [loser]);
      assert.equal(rejected.code, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
      const accepted = await submitEndorsedBy(winnerConn.gateway.getNetwork(channel).getContract(name), coalition);
      assert.equal(accepted.code, peer.TxValidationCode.VALID);
      const to = await consortium().waitForSameHeight(60_000, accepted.block + 1);

      for (const peerName of consortium().peers.keys()) {
        assert.equal(
          await validationCodeAt(peerName, rejected.txId),
          peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE,
          `${peerName} invalidates the losing set`,
        );
        assert.equal(await validationCodeAt(peerName, accepted.txId), peer.TxValidationCode.VALID, `${peerName} accepts the coalition`);
      }

      // Audit over exactly the blocks of the two transactions just submitted.
      const leaderAfter = await consortium().waitForLeader();
      // Raft leadership can move (earlier tests kill orderers); only a stable leader must have cut them all.
      const stableLeader = leaderBefore.node.mspId === leaderAfter.node.mspId ? leaderAfter.node.mspId : undefined;
      const report: AuditReport = await auditLedger({ network: loserNet, chaincode: name, members: orgs, fromBlock: from, toBlock: to, orderers });
      assert.equal(report.transactions, 2);
      assert.equal(report.invalidTransactions, 1);
      for (const o of report.organisations) {
        const endorsedAccepted: number = coalition.includes(o.mspId) ? 1 : 0;
        const endorsedRejected: number = o.mspId === loser ? 1 : 0;
        assert.equal(o.endorsements, endorsedAccepted + endorsedRejected, `${o.mspId} endorsements`);
        assert.equal(o.endorsedInvalid, endorsedRejected, `${o.mspId} endorsed-invalid`);
        assert.deepEqual(o.endorsedInvalidByCode, endorsedRejected ? { ENDORSEMENT_POLICY_FAILURE: 1 } : {});
        assert.equal(o.submitted, (o.mspId === loser ? 1 : 0) + (o.mspId === submitter ? 1 : 0), `${o.mspId} submitted`);
      }
      // Every block read carries one orderer's signature (whichever copy this peer pulled).
      assert.equal(
        report.organisations.reduce((n, o) => n + o.blocksSigned, 0),
        to - from,
      );
      // The blocks cut in the window, by the orderers' own counts: exactly the blocks just written, all by the leader.
      const cutDuring = new Map(
        report.ordering.map((a) => [a.mspId, (a.blocksCutAsLeader ?? 0) - (cutBefore.find((b) => b.mspId === a.mspId)?.blocksCutAsLeader ?? 0)]),
      );
      assert.equal(
        [...cutDuring.values()].reduce((x, y) => x + y, 0),
        to - from,
        `blocks cut during the window: ${JSON.stringify([...cutDuring])}`,
      );
      if (stableLeader !== undefined) {
        assert.equal(cutDuring.get(stableLeader), to - from, `${stableLeader}, the Raft leader throughout, cut them all`);
        assert.equal(
          report.organisations.find((o) => o.mspId === stableLeader)?.blocksCutAsLeader,
          report.ordering.find((a) => a.mspId === stableLeader)?.blocksCutAsLeader,
        );
      }

      // The Fabric gateway plans a satisfying set of endorsers by itself.
      const automatic = await submitEndorsedBy(loserNet.getContract(name), undefined);
      assert.equal(automatic.code, peer.TxValidationCode.VALID);

      // The whole-chain audit shows the epoch, checked against its record, with no finding.
      const whole = await auditLedger({ network: loserNet, chaincode: name, members: orgs });
      const epoch = whole.epochs.find((e) => e.block === epochBlock);
      assert.deepEqual(
        { sequence: epoch?.sequence, policy: epoch?.policy, findings: epoch?.findings },
        { sequence: proposal.sequence, policy: compiled.policy, findings: [] },
      );
      assert.ok(
        whole.epochs.some((e) => e.sequence === null && e.block < epochBlock),
        'the initial channel-policy definition shows without a record',
      );

      // REST over real HTTP at the loser's gateway: auditors only, same figures.
      const services = getTestServices();
      const gatewayOrg = consortium().topology.organisations.find((o) => o.mspId === loser);
      assert.ok(gatewayOrg);
      const url = services.gatewayUrl(gatewayOrg);
      const asMember = new GatewayClient({ baseUrl: url, token: services.memberToken(gatewayOrg) });
      const asAuditor = new GatewayClient({ baseUrl: url, token: services.auditorToken(gatewayOrg) });
      await assert.rejects(asMember.get('/audit', { from, to }), (err: GatewayHttpError) => err.status === 403 && err.code === 'AUDITOR_REQUIRED');
      const viaRest = await asAuditor.get<AuditReport>('/audit', { from, to });
      // Same chain figures (the orderers' live counters moved on with the transaction submitted since).
      const chainOnly = (r: AuditReport): unknown =>
        r.organisations.map((o) => ({
          mspId: o.mspId,
          stake: o.stake,
          endorsements: o.endorsements,
          endorsedInvalid: o.endorsedInvalid,
          submitted: o.submitted,
          blocksSigned: o.blocksSigned,
        }));
      assert.deepEqual(chainOnly(viaRest), chainOnly(report));
      assert.equal(viaRest.ordering.length, orgs.length, 'the REST audit reads every orderer too');
      const epochs = await asAuditor.get<{ sequence: number }[]>('/audit/epochs');
      assert.equal(epochs.at(-1)?.sequence, proposal.sequence);
    } finally {
      loserConn.close();
      winnerConn.close();
    }
  });

  it('rotates back to the channel MAJORITY policy (left for the other test files)', async () => {
    const committed = await rotation.rotate({ channelPolicy: true });
    assert.equal(committed.recordTxId, undefined);
    assert.equal((await consortium().status()).chaincode.endorsementPolicy, CHANNEL_POLICY);
  });
});
