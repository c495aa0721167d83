import * as assert from 'node:assert/strict';
import { LedgerContract } from '../contract';
import { endorsementPolicy } from '../ledger/changes';
import { Keys, type RecordKey } from '../ledger/keys';
import { Limits } from '../statement/limits';
import { newStudyReference } from '../statement/sign';
import { expectRejected } from '../testing/assertions';
import { Fixture, ORG1, ORG2, newParty, type BatchResult, type Party } from '../testing/fixture';

const stateKey = (key: RecordKey): string =>
  key.stateKey({ createCompositeKey: (t: string, a: string[]) => `\u0000${[t, ...a].join('\u0000')}\u0000` } as never);

function outcome(results: readonly BatchResult[], index: number): BatchResult {
  const result = results[index];
  assert.ok(result, `no result at index ${String(index)}`);
  assert.equal(result.index, index);
  return result;
}

function refused(results: readonly BatchResult[], index: number, code: string): string {
  const result = outcome(results, index);
  assert.equal(result.applied, false, `statement ${String(index)} was applied`);
  assert.equal(result.code, code, result.message);
  assert.ok(result.message?.startsWith(`${code}: `), 'message names the code');
  return result.message;
}

describe('SubmitBatch', () => {
  let f: Fixture;
  let h1: Party;
  let h2: Party;
  let p1: Party;
  let p2: Party;
  let doctor: Party;
  let study1: string;
  let study2: string;

  const allow = (patient: Party, source: Party, study: string, recipient: Party = doctor): Promise<string> =>
    f.statement('AllowAccess', { source: source.id, study, recipient: recipient.id, until: f.nowSeconds + 3600, purpose: 'TREAT' }, patient);
  const revoke = (patient: Party, source: Party, study: string): Promise<string> =>
    f.statement('RevokeAccess', { source: source.id, study, recipient: doctor.id }, patient);

  beforeEach(async () => {
    f = new Fixture();
    [h1, h2, p1, p2, doctor] = await Promise.all([newParty('ES256'), newParty('EdDSA'), newParty('EdDSA'), newParty('ES256'), newParty('ES256')]);
    // Two sources of two organisations: a batch spans both organisations' key-level policies.
    await f.defineSource(h1, ORG1);
    await f.defineSource(h2, ORG2);
    study1 = await f.defineStudy(h1, p1);
    study2 = await f.defineStudy(h2, p2, { mspId: ORG2 });
  });

  it('applies each valid statement and refuses each invalid one on its own, in one transaction with one event', async () => {
    const earlier = await f.allow(p1, h1, study1, await newParty());
    const [grant1, grant2] = await Promise.all([allow(p1, h1, study1), allow(p2, h2, study2)]);
    const [head, payload] = grant1.split('.');
    const forged = `${head}.${payload}.${grant2.split('.')[2]}`;
    const notTheirs = await allow(p2, h1, study1, await newParty());
    const expired = await f.statement('AllowAccess', { source: h1.id, study: study1, recipient: doctor.id, until: f.nowSeconds - 1 }, p1);
    const eventsBefore = f.ledger.events.length;

    const results = await f.batch([grant1, forged, earlier, grant2, notTheirs, expired, 42, 'not.a.jws']);

    assert.equal(results.length, 8);
    assert.deepEqual([outcome(results, 0).applied, outcome(results, 3).applied], [true, true]);
    assert.equal(outcome(results, 0).record?.id, `grant/${h1.id}/${study1}/${doctor.id}`);
    assert.equal(outcome(results, 0).type, 'AllowAccess');
    refused(results, 1, 'SIGNATURE_INVALID');
    assert.match(refused(results, 2, 'STATEMENT_REPLAYED'), /already took effect in transaction tx\d+/);
    refused(results, 4, 'SIGNER_NOT_AUTHORISED');
    refused(results, 5, 'GRANT_EXPIRY_INVALID');
    refused(results, 6, 'STATEMENT_MALFORMED');
    refused(results, 7, 'STATEMENT_MALFORMED');

    assert.equal((await f.check(h1, study1, doctor)).allowed, true);
    assert.equal((await f.check(h2, study2, doctor)).allowed, true);
    // Each grant carries its own source organisation's key-level policy.
    assert.deepEqual(f.ledger.validationParameter(stateKey(Keys.grant(h1.id, study1, doctor.id))), endorsementPolicy(ORG1));
    assert.deepEqual(f.ledger.validationParameter(stateKey(Keys.grant(h2.id, study2, doctor.id))), endorsementPolicy(ORG2));
    // One event for the transaction, carrying the applied statements' own events (ids only).
    assert.equal(f.ledger.events.length, eventsBefore + 1);
    assert.deepEqual(f.ledger.events.at(-1), {
      name: 'StatementBatch',
      payload: {
        type: 'StatementBatch',
        events: [
          { type: 'AccessAllowed', key: `grant/${h1.id}/${study1}/${doctor.id}`, source: h1.id, study: study1, recipient: doctor.id },
          { type: 'AccessAllowed', key: `grant/${h2.id}/${study2}/${doctor.id}`, source: h2.id, study: study2, recipient: doctor.id },
        ],
      },
    });
  });

  it('writes nothing for a refused statement: neither its record nor its used mark', async () => {
    const expired = await f.statement('AllowAccess', { source: h1.id, study: study1, recipient: doctor.id, until: f.nowSeconds - 1 }, p1);
    const before = f.ledger.snapshot();
    const results = await f.batch([expired]);
    refused(results, 0, 'GRANT_EXPIRY_INVALID');
    assert.deepEqual(f.ledger.snapshot(), before, 'nothing written');
    assert.equal(f.ledger.events.at(-1)?.name, 'StudyDefined', 'no event');
  });

  it('answers a resubmitted batch idempotently: every applied statement is a replay naming the first transaction', async () => {
    const statements = await Promise.all([allow(p1, h1, study1), allow(p2, h2, study2)]);
    await f.batch(statements);
    const firstTx = /in transaction (tx\d+)/.exec(refused(await f.batch([statements[0]]), 0, 'STATEMENT_REPLAYED'))?.[1];
    const before = f.ledger.snapshot();
    const again = await f.batch(statements);
    for (const index of [0, 1]) {
      assert.match(refused(again, index, 'STATEMENT_REPLAYED'), new RegExp(`in transaction ${firstTx ?? 'missing'}$`));
    }
    assert.deepEqual(f.ledger.snapshot(), before);
  });

  describe('statements touching a record an earlier statement of the batch changes', () => {
    it('refuses the same statement twice in one batch (BATCH_KEY_CONFLICT), applying it once', async () => {
      const grant = await allow(p1, h1, study1);
      const results = await f.batch([grant, grant]);
      assert.equal(outcome(results, 0).applied, true);
      assert.match(refused(results, 1, 'BATCH_KEY_CONFLICT'), /index 0 of this batch.*send it in a later batch/);
    });

    it('refuses a revocation of a grant made earlier in the batch, instead of GRANT_NOT_FOUND on the stale read', async () => {
      const results = await f.batch([await allow(p1, h1, study1), await revoke(p1, h1, study1)]);
      assert.match(refused(results, 1, 'BATCH_KEY_CONFLICT'), new RegExp(`grant/${h1.id}/${study1}/${doctor.id}`));
      assert.equal((await f.check(h1, study1, doctor)).allowed, true, 'the grant stands; the revocation goes in a later batch');
      assert.equal(outcome(await f.batch([await revoke(p1, h1, study1)]), 0).applied, true);
      assert.equal((await f.check(h1, study1, doctor)).reason, 'GRANT_REVOKED');
    });

    it('refuses a grant after the revocation of the same grant in the batch (it would undo it on the stale read)', async () => {
      await f.allow(p1, h1, study1, doctor);
      const results = await f.batch([await revoke(p1, h1, study1), await allow(p1, h1, study1)]);
      assert.equal(outcome(results, 0).applied, true);
      refused(results, 1, 'BATCH_KEY_CONFLICT');
      assert.equal((await f.check(h1, study1, doctor)).reason, 'GRANT_REVOKED');
    });

    it('refuses two grants of one study to one recipient, but not grants to other recipients', async () => {
      const other = await newParty();
      const results = await f.batch([await allow(p1, h1, study1), await allow(p1, h1, study1), await allow(p1, h1, study1, other)]);
      refused(results, 1, 'BATCH_KEY_CONFLICT');
      assert.equal(outcome(results, 2).applied, true);
    });

    it('refuses a grant on a study defined earlier in the batch, instead of STUDY_NOT_FOUND on the stale read', async () => {
      const study = newStudyReference();
      const define = await f.statement('DefineStudy', { study, consent: await f.consent(p1, h1, study) }, h1);
      const results = await f.batch([define, await allow(p1, h1, study)]);
      assert.equal(outcome(results, 0).applied, true);
      assert.match(refused(results, 1, 'BATCH_KEY_CONFLICT'), new RegExp(`study/${h1.id}/${study}`));
      assert.equal(outcome(await f.batch([await allow(p1, h1, study)]), 0).applied, true);
    });
  });

  it('holds each statement to its relay rule: a source statement of another organisation is refused, the rest apply', async () => {
    const update = await f.statement('UpdateSourceUrl', { url: 'https://moved.example/iti43' }, h1);
    const results = await f.batch([update, await allow(p2, h2, study2)], ORG2);
    refused(results, 0, 'RELAY_NOT_AUTHORISED');
    assert.equal(outcome(results, 1).applied, true);
  });

  it('takes every statement transaction of the contract, and no other statement type', async () => {
    const consent = await f.consent(p1, h1, study1);
    const message = refused(await f.batch([consent]), 0, 'STATEMENT_TYPE_MISMATCH');
    const reflect = Reflect as unknown as { getMetadata(key: string, target: object): { name: string; tag: string[] }[] | undefined };
    const statementTransactions = (reflect.getMetadata('fabric:transactions', LedgerContract.prototype) ?? [])
      .filter((t) => t.tag.includes('SUBMIT') && !['RecordEpoch', 'SubmitBatch'].includes(t.name))
      .map((t) => t.name)
      .sort();
    const taken = /a batch takes (.*), not PatientConsent$/.exec(message)?.[1]?.split(', ').sort();
    assert.deepEqual(taken, statementTransactions);
  });

  it('refuses a malformed batch as a whole with BATCH_INVALID, writing nothing', async () => {
    const grant = await allow(p1, h1, study1);
    for (const argument of [
      '',
      'not json',
      '{"statements":[]}',
      '[]',
      JSON.stringify(Array.from({ length: Limits.maxBatchStatements + 1 }, () => grant)),
      JSON.stringify(['x'.repeat(Limits.maxBatchLength)]),
    ]) {
      await expectRejected(f, () => f.batchRaw(argument), 'BATCH_INVALID');
    }
  });

  it('takes a full batch of the maximum size', async () => {
    const recipients = await Promise.all(Array.from({ length: Limits.maxBatchStatements }, () => newParty()));
    const statements = await Promise.all(recipients.map((r, i) => (i % 2 === 0 ? allow(p1, h1, study1, r) : allow(p2, h2, study2, r))));
    const results = await f.batch(statements);
    assert.deepEqual(
      results.map((r) => r.applied),
      statements.map(() => true),
    );
  });
});
