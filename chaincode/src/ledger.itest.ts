import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Contract, Network } from '@hyperledger/fabric-gateway';
import { type OrgConnection, testNetwork } from '@isl/network/testing';
import { waitFor } from '@isl/network';
import type { DisclosureRecord } from './disclosure/disclosure';
import type { DenialReason } from './grant/check';
import type { RequestRecord } from './request/request';
import type { SourceRecord } from './source/source';
import type { OrganisationStake } from './stake/stake';
import { audienceFor, createStatement, newStudyReference, type Fields, type StatementType } from './statement';
import type { StudyRecord } from './study/study';
import { newParty, type Party } from './testing/fixture';

// Synthetic identifiers a careless implementation might put on the ledger; none may appear in any block.
const PATIENT_NAME = 'Zebulon Q. Syntheticpatient';
const PATIENT_MRN = 'MRN-SYN-7734921';
const STUDY_INSTANCE_UID = '1.2.826.0.1.3680043.8.498.99887766554433221100';

const decoder = new TextDecoder();

/** What each query this test evaluates returns, as the chaincode serialises it. */
interface QueryResults {
  GetSource: SourceRecord;
  GetStudy: StudyRecord;
  CheckAccess: { allowed: boolean; reason?: DenialReason };
  GetHistory: { key: string; history: { txId: string; timestamp: string; value: { status: string } }[] };
  ListRequests: RequestRecord[];
  ListDisclosures: DisclosureRecord[];
  GetStake: OrganisationStake[];
}

describe('image-sharing ledger on the test network', function () {
  this.timeout(300_000);

  let orgs: OrgConnection[] = [];
  let h: Contract;
  let audience: string;
  let lastBlock = 0n;

  before(async () => {
    const network = testNetwork();
    audience = audienceFor(network.channelName, network.chaincodeName);
    orgs = await Promise.all(network.organisations.map((mspId) => network.connect(mspId)));
    const first = orgs[0];
    assert.ok(first, 'the test network has an organisation');
    h = first.contract;
  });

  after(() => {
    for (const org of orgs) {
      org.close();
    }
  });

  const statement = <T extends StatementType>(type: T, fields: Fields<T>, signer: Party) => createStatement(type, fields, signer.privateJwk, { audience });

  async function submit(contract: Contract, name: string, ...args: string[]): Promise<Record<string, unknown>> {
    const commit = await contract.submitAsync(name, { arguments: args });
    const status = await commit.getStatus();
    assert.ok(status.successful, `${name} committed with status ${status.code}`);
    lastBlock = status.blockNumber > lastBlock ? status.blockNumber : lastBlock;
    return JSON.parse(decoder.decode(commit.getResult())) as Record<string, unknown>;
  }

  async function evaluate<Q extends keyof QueryResults>(contract: Contract, name: Q, ...args: string[]): Promise<QueryResults[Q]> {
    return JSON.parse(decoder.decode(await contract.evaluateTransaction(name, ...args))) as QueryResults[Q];
  }

  async function expectRejected(promise: Promise<unknown>, code: string): Promise<void> {
    try {
      await promise;
    } catch (err) {
      const text = [String(err), ...((err as { details?: { message: string }[] }).details ?? []).map((d) => d.message)].join('\n');
      assert.match(text, new RegExp(`${code}: `), text);
      return;
    }
    assert.fail(`expected ${code}`);
  }

  async function definedStudy(source: Party, patient: Party, recovery?: Party): Promise<string> {
    // The image source maps STUDY_INSTANCE_UID to this random reference in its own database.
    const study = newStudyReference();
    const consent = await statement('PatientConsent', { source: source.id, study, ...(recovery ? { recovery: recovery.id } : {}) }, patient);
    await submit(h, 'DefineStudy', await statement('DefineStudy', { study, consent }, source));
    return study;
  }

  const checkAccess = (source: Party, study: string, recipient: Party, at = '') => evaluate(h, 'CheckAccess', source.id, study, recipient.id, at);

  let hospital: Party;
  before(async () => {
    hospital = await newParty('ES256');
    await submit(h, 'DefineSource', await statement('DefineSource', { url: 'https://pacs.hospital-h.example/iti43' }, hospital));
  });

  it("follows the paper's flow: define source and study, allow, check, revoke, deny; replay after revoke is refused", async () => {
    const [patient, doctor] = await Promise.all([newParty('EdDSA'), newParty('ES256')]);
    const study = await definedStudy(hospital, patient);
    assert.equal((await evaluate(h, 'GetStudy', hospital.id, study)).patient, patient.id);

    const allow = await statement(
      'AllowAccess',
      { source: hospital.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 3600, purpose: 'TREAT' },
      patient,
    );
    await submit(h, 'AllowAccess', allow);
    assert.equal((await checkAccess(hospital, study, doctor)).allowed, true);

    await submit(h, 'RevokeAccess', await statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient));
    const denied = await checkAccess(hospital, study, doctor);
    assert.deepEqual([denied.allowed, denied.reason], [false, 'GRANT_REVOKED']);

    await expectRejected(submit(h, 'AllowAccess', allow), 'STATEMENT_REPLAYED');
    assert.equal((await checkAccess(hospital, study, doctor)).allowed, false);

    const history = await evaluate(h, 'GetHistory', `grant/${hospital.id}/${study}/${doctor.id}`);
    assert.deepEqual(history.history.map((entry) => entry.value.status).sort(), ['active', 'revoked']);
    assert.ok(history.history.every((entry) => entry.txId.length > 0 && !Number.isNaN(Date.parse(entry.timestamp))));
  });

  it('expires a time-limited grant', async () => {
    const [patient, doctor] = await Promise.all([newParty(), newParty()]);
    const study = await definedStudy(hospital, patient);
    const until = Math.floor(Date.now() / 1000) + 5;
    await submit(h, 'AllowAccess', await statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until }, patient));
    // Polled with a bound, never a fixed sleep.
    const decision = await waitFor(
      'the grant to expire',
      async () => {
        const d = await checkAccess(hospital, study, doctor);
        return d.allowed ? false : d;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.deepEqual([decision.allowed, decision.reason], [false, 'GRANT_EXPIRED']);
    assert.equal((await checkAccess(hospital, study, doctor, String(until - 1))).allowed, true, 'allowed before until');
  });

  it('refuses a source statement relayed by another organisation', async function () {
    const other = orgs[1];
    if (other === undefined) {
      this.skip();
    }
    const update = await statement('UpdateSourceUrl', { url: 'https://evil.example/iti43' }, hospital);
    await expectRejected(submit(other.contract, 'UpdateSourceUrl', update), 'RELAY_NOT_AUTHORISED');
    assert.equal((await evaluate(h, 'GetSource', hospital.id)).url, 'https://pacs.hospital-h.example/iti43');
  });

  it('lets a patient grant through another organisation (endorsed by the source organisation under key-level policy)', async function () {
    const other = orgs[1];
    if (other === undefined) {
      this.skip();
    }
    const [patient, doctor] = await Promise.all([newParty(), newParty()]);
    const study = await definedStudy(hospital, patient);
    await submit(
      other.contract,
      'AllowAccess',
      await statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 600 }, patient),
    );
    assert.equal((await checkAccess(hospital, study, doctor)).allowed, true);
  });

  it('rotates the owner key with the recovery key', async () => {
    const [patient, recovery, newPatient, doctor] = await Promise.all([newParty(), newParty('ES256'), newParty(), newParty()]);
    const study = await definedStudy(hospital, patient, recovery);
    await submit(h, 'RotateOwnerKey', await statement('RotateOwnerKey', { source: hospital.id, study, patient: newPatient.id }, recovery));
    assert.equal((await evaluate(h, 'GetStudy', hospital.id, study)).patient, newPatient.id);
    const byOld = await statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 600 }, patient);
    await expectRejected(submit(h, 'AllowAccess', byOld), 'SIGNER_NOT_AUTHORISED');
    await submit(
      h,
      'AllowAccess',
      await statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: Math.floor(Date.now() / 1000) + 600 }, newPatient),
    );
    assert.equal((await checkAccess(hospital, study, doctor)).allowed, true);
  });

  it('records a request and its denial, and releases for accounting', async () => {
    const [patient, researcher] = await Promise.all([newParty(), newParty()]);
    const study = await definedStudy(hospital, patient);
    await submit(h, 'RequestAccess', await statement('RequestAccess', { source: hospital.id, study, purpose: 'HRESCH' }, researcher));
    await submit(h, 'DenyAccess', await statement('DenyAccess', { source: hospital.id, study, recipient: researcher.id, reason: 'PURPOSE_REFUSED' }, patient));
    const [request] = await evaluate(h, 'ListRequests', hospital.id, study);
    assert.ok(request, 'the request is listed');
    assert.deepEqual([request.status, request.reason], ['denied', 'PURPOSE_REFUSED']);
    assert.equal((await checkAccess(hospital, study, researcher)).allowed, false);

    await submit(
      h,
      'RecordDisclosure',
      await statement(
        'RecordDisclosure',
        { study, recipient: researcher.id, disclosedAt: Math.floor(Date.now() / 1000), size: 1024, requestId: 'c0ffee00-1234-4abc-8def-000000000001' },
        hospital,
      ),
    );
    assert.equal((await evaluate(h, 'ListDisclosures', hospital.id, study)).length, 1);
    const stake = await evaluate(h, 'GetStake', orgs[0]!.mspId);
    assert.ok(stake[0]!.studies >= 1);
  });

  it('never writes patient identifiers to any block', async () => {
    const network: Network = orgs[0]!.network;
    const uidHash = createHash('sha256').update(STUDY_INSTANCE_UID);
    const needles = [PATIENT_NAME, PATIENT_MRN, STUDY_INSTANCE_UID, uidHash.copy().digest('hex'), uidHash.digest('base64url')];
    const blocks = await network.getBlockEvents({ startBlock: 0n });
    let scanned = 0n;
    try {
      for await (const block of blocks) {
        const text = Buffer.from(block.serializeBinary()).toString('latin1');
        for (const needle of needles) {
          assert.ok(!text.includes(needle), `block ${block.getHeader()?.getNumber()} contains "${needle}"`);
        }
        scanned += 1n;
        if ((block.getHeader()?.getNumber() ?? 0) >= Number(lastBlock)) {
          break;
        }
      }
    } finally {
      blocks.close();
    }
    assert.ok(scanned > lastBlock, `scanned ${scanned} blocks up to ${lastBlock}`);
  });
});
