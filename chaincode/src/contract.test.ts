import * as assert from 'node:assert/strict';
import { Keys } from './ledger/keys';
import { endorsementPolicy } from './ledger/changes';
import { expectRejected } from './testing/assertions';
import { Fixture, ORG1, ORG2, newParty, type Party } from './testing/fixture';
import { newStudyReference } from './statement/sign';
import { contracts } from './contracts';

describe('LedgerContract', () => {
  let f: Fixture;
  let hospital: Party;
  let patient: Party;
  let doctor: Party;
  let recovery: Party;

  beforeEach(async () => {
    f = new Fixture();
    [hospital, patient, doctor, recovery] = await Promise.all([newParty('ES256'), newParty('EdDSA'), newParty('ES256'), newParty('EdDSA')]);
  });

  it('exports the contract as the default of fabric-chaincode-node', () => {
    assert.deepEqual(
      contracts.map((c) => new c().getName()),
      ['ImageSharingLedger'],
    );
  });

  describe('DefineSource', () => {
    it('records the source key, URL and relaying organisation, with an event', async () => {
      const result = await f.submit('DefineSource', await f.statement('DefineSource', { url: 'https://h.example/iti43' }, hospital), ORG2);
      assert.equal(result.source, hospital.id);
      assert.equal(result.org, ORG2);
      assert.equal(result.active, true);
      assert.deepEqual(await f.query('GetSource', hospital.id), result);
      assert.deepEqual(f.ledger.events.at(-1), {
        name: 'SourceDefined',
        payload: { type: 'SourceDefined', key: `source/${hospital.id}`, source: hospital.id },
      });
    });

    it('sets a key-level endorsement policy naming the source organisation', async () => {
      await f.defineSource(hospital, ORG2);
      const key = Keys.source(hospital.id).stateKey({ createCompositeKey: (t: string, a: string[]) => `\u0000${[t, ...a].join('\u0000')}\u0000` } as never);
      assert.deepEqual(f.ledger.validationParameter(key), endorsementPolicy(ORG2));
      assert.notDeepEqual(endorsementPolicy(ORG2), endorsementPolicy(ORG1));
    });

    it('rejects a second definition of the same key', async () => {
      await f.defineSource(hospital);
      const again = await f.statement('DefineSource', { url: 'https://other.example/' }, hospital);
      await expectRejected(f, () => f.submit('DefineSource', again), 'SOURCE_EXISTS');
    });

    it('lists sources as a directory of endpoints', async () => {
      const other = await newParty();
      await f.defineSource(hospital);
      await f.defineSource(other, ORG2, 'https://pacs.other.example/');
      const list = (await f.query('ListSources')) as { source: string; url: string }[];
      assert.deepEqual(list.map((s) => s.source).sort(), [hospital.id, other.id].sort());
    });
  });

  describe('UpdateSourceUrl and DeactivateSource', () => {
    beforeEach(() => f.defineSource(hospital, ORG1));

    it('updates the URL when relayed by the registering organisation', async () => {
      const result = await f.submit('UpdateSourceUrl', await f.statement('UpdateSourceUrl', { url: 'https://new.example/iti43' }, hospital));
      assert.equal(result.url, 'https://new.example/iti43');
      assert.equal(f.ledger.events.at(-1)?.name, 'SourceUrlUpdated');
    });

    it('refuses a relay by another organisation', async () => {
      const jws = await f.statement('UpdateSourceUrl', { url: 'https://new.example/' }, hospital);
      await expectRejected(f, () => f.submit('UpdateSourceUrl', jws, ORG2), 'RELAY_NOT_AUTHORISED');
    });

    it('deactivates; later source statements and new grants are refused, CheckAccess denies', async () => {
      const study = await f.defineStudy(hospital, patient);
      await f.allow(patient, hospital, study, doctor);
      await f.submit('DeactivateSource', await f.statement('DeactivateSource', {}, hospital));
      assert.equal(((await f.query('GetSource', hospital.id)) as { active: boolean }).active, false);
      assert.equal((await f.check(hospital, study, doctor)).reason, 'SOURCE_INACTIVE');
      const update = await f.statement('UpdateSourceUrl', { url: 'https://new.example/' }, hospital);
      await expectRejected(f, () => f.submit('UpdateSourceUrl', update), 'SOURCE_INACTIVE');
      const allow = await f.statement('AllowAccess', { source: hospital.id, study, recipient: patient.id, until: f.nowSeconds + 60 }, patient);
      await expectRejected(f, () => f.submit('AllowAccess', allow), 'SOURCE_INACTIVE');
    });

    it('rejects statements for an unknown source', async () => {
      const stranger = await newParty();
      await expectRejected(f, async () => f.submit('DeactivateSource', await f.statement('DeactivateSource', {}, stranger)), 'SOURCE_NOT_FOUND');
    });
  });

  describe('DefineStudy', () => {
    beforeEach(() => f.defineSource(hospital, ORG1));

    it('records the patient as owner, adds stake, emits StudyDefined', async () => {
      const study = await f.defineStudy(hospital, patient, { recovery });
      const record = (await f.query('GetStudy', hospital.id, study)) as Record<string, unknown>;
      assert.equal(record.patient, patient.id);
      assert.equal(record.recovery, recovery.id);
      assert.equal(record.source, hospital.id);
      assert.deepEqual(f.ledger.events.at(-1)?.payload, { type: 'StudyDefined', key: `study/${hospital.id}/${study}`, source: hospital.id, study });
      assert.deepEqual(await f.query('GetStake', ORG1), [{ org: ORG1, studies: 1, sources: [{ source: hospital.id, studies: 1 }] }]);
    });

    it('writes a separate stake key per study, so concurrent DefineStudy do not conflict', async () => {
      await f.defineStudy(hospital, patient);
      const writesBefore = new Set(f.ledger.stateKeys());
      await f.defineStudy(hospital, patient);
      const newKeys = f.ledger.stateKeys().filter((k) => !writesBefore.has(k));
      assert.equal(newKeys.filter((k) => k.startsWith('\u0000stake\u0000')).length, 1);
      assert.equal(newKeys.length, 4, 'study, its own stake entry and two used-statement keys: nothing shared');
      assert.equal(((await f.query('GetStake', '')) as { studies: number }[])[0]?.studies, 2);
    });

    it('rejects a study reference already defined for the source', async () => {
      const study = await f.defineStudy(hospital, patient);
      const consent = await f.consent(patient, hospital, study);
      const again = await f.statement('DefineStudy', { study, consent }, hospital);
      await expectRejected(f, () => f.submit('DefineStudy', again), 'STUDY_EXISTS');
    });

    it('rejects a consent for another source or study, or naming the patient as recovery', async () => {
      const other = await newParty();
      const study = newStudyReference();
      for (const consent of [
        await f.consent(patient, other, study),
        await f.consent(patient, hospital, newStudyReference()),
        await f.consent(patient, hospital, study, patient),
      ]) {
        const jws = await f.statement('DefineStudy', { study, consent }, hospital);
        await expectRejected(f, () => f.submit('DefineStudy', jws), 'CONSENT_MISMATCH');
      }
    });

    it('rejects a consent that fails verification, naming it', async () => {
      const study = newStudyReference();
      const consent = await f.consent(patient, hospital, study);
      const [h, p] = consent.split('.');
      const forged = `${h}.${p}.${(await f.consent(doctor, hospital, study)).split('.')[2]}`;
      const jws = await f.statement('DefineStudy', { study, consent: forged }, hospital);
      const error = await expectRejected(f, () => f.submit('DefineStudy', jws), 'SIGNATURE_INVALID');
      assert.match(error.message, /PatientConsent/);
    });

    it('accepts a consent signed up to a day earlier, but not a consent reused in another study', async () => {
      const study = newStudyReference();
      const consent = await f.statement('PatientConsent', { source: hospital.id, study }, patient, { issuedAt: f.nowSeconds - 3600, lifetime: 86_400 });
      await f.submit('DefineStudy', await f.statement('DefineStudy', { study, consent }, hospital));
      assert.equal(((await f.query('GetStudy', hospital.id, study)) as { patient: string }).patient, patient.id);
    });

    it('refuses a relay by another organisation', async () => {
      const study = newStudyReference();
      const jws = await f.statement('DefineStudy', { study, consent: await f.consent(patient, hospital, study) }, hospital);
      await expectRejected(f, () => f.submit('DefineStudy', jws, ORG2), 'RELAY_NOT_AUTHORISED');
    });
  });

  describe('AllowAccess, CheckAccess, RevokeAccess', () => {
    let study: string;
    beforeEach(async () => {
      await f.defineSource(hospital);
      study = await f.defineStudy(hospital, patient, { recovery });
    });

    it('follows the paper: P allows D, D is allowed, P revokes, D is denied', async () => {
      assert.equal((await f.check(hospital, study, doctor)).reason, 'NO_GRANT');
      await f.allow(patient, hospital, study, doctor);
      const allowed = (await f.check(hospital, study, doctor)) as { allowed: boolean; grant: { patient: string; purpose: string } };
      assert.equal(allowed.allowed, true);
      assert.equal(allowed.grant.patient, patient.id);
      assert.equal(allowed.grant.purpose, 'TREAT');
      const revokedAtSeconds = f.nowSeconds;
      f.advance(10);
      const revoke = await f.submit('RevokeAccess', await f.statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient));
      assert.equal(revoke.status, 'revoked');
      assert.equal(f.ledger.events.at(-1)?.name, 'AccessRevoked');
      assert.deepEqual(await f.check(hospital, study, doctor).then((d) => [d.allowed, d.reason]), [false, 'GRANT_REVOKED']);
      // Not retroactive: before the revoking transaction the grant held.
      assert.equal((await f.check(hospital, study, doctor, String(revokedAtSeconds + 5))).allowed, true);
    });

    it('answers a granted check from the source and the grant alone, and reads the study only when there is no grant', async () => {
      await f.allow(patient, hospital, study, doctor);
      const kinds = (): string[] => f.ledger.stateReads.splice(0).map((key) => key.split('\u0000')[1] ?? key);
      kinds();
      assert.equal((await f.check(hospital, study, doctor)).allowed, true);
      assert.deepEqual(kinds(), ['source', 'grant']);
      assert.equal((await f.check(hospital, study, recovery)).reason, 'NO_GRANT');
      assert.deepEqual(kinds(), ['source', 'grant', 'study']);
      assert.equal((await f.check(hospital, newStudyReference(), doctor)).reason, 'STUDY_NOT_FOUND');
      assert.deepEqual(kinds(), ['source', 'grant', 'study']);
    });

    it('expires at until', async () => {
      await f.allow(patient, hospital, study, doctor, f.nowSeconds + 30);
      assert.equal((await f.check(hospital, study, doctor)).allowed, true);
      f.advance(30);
      assert.equal((await f.check(hospital, study, doctor)).reason, 'GRANT_EXPIRED');
    });

    it('rejects an until in the past or beyond the maximum lease', async () => {
      for (const until of [f.nowSeconds, f.nowSeconds + 367 * 86_400]) {
        const jws = await f.statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until }, patient);
        await expectRejected(f, () => f.submit('AllowAccess', jws), 'GRANT_EXPIRY_INVALID');
      }
    });

    it('rejects a grant signed by a key other than the patient', async () => {
      const jws = await f.statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: f.nowSeconds + 60 }, doctor);
      await expectRejected(f, () => f.submit('AllowAccess', jws), 'SIGNER_NOT_AUTHORISED');
    });

    it('rejects a grant for an unknown study', async () => {
      const jws = await f.statement(
        'AllowAccess',
        { source: hospital.id, study: newStudyReference(), recipient: doctor.id, until: f.nowSeconds + 60 },
        patient,
      );
      await expectRejected(f, () => f.submit('AllowAccess', jws), 'STUDY_NOT_FOUND');
    });

    it('does not re-grant when an AllowAccess is replayed after its RevokeAccess', async () => {
      const allow = await f.allow(patient, hospital, study, doctor);
      await f.submit('RevokeAccess', await f.statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient));
      await expectRejected(f, () => f.submit('AllowAccess', allow), 'STATEMENT_REPLAYED');
      assert.equal((await f.check(hospital, study, doctor)).reason, 'GRANT_REVOKED');
    });

    it('does not let an unsubmitted AllowAccess signed before a revocation undo it', async () => {
      await f.allow(patient, hospital, study, doctor);
      const early = await f.statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: f.nowSeconds + 600 }, patient);
      f.advance(5);
      await f.submit('RevokeAccess', await f.statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient));
      await expectRejected(f, () => f.submit('AllowAccess', early), 'STATEMENT_SUPERSEDED');
      f.advance(2);
      await f.allow(patient, hospital, study, doctor);
      assert.equal((await f.check(hospital, study, doctor)).allowed, true, 'a fresh grant after revocation works');
    });

    it('rejects revoking a grant that does not exist or was already revoked', async () => {
      const revoke = () => f.statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient);
      await expectRejected(f, async () => f.submit('RevokeAccess', await revoke()), 'GRANT_NOT_FOUND');
      await f.allow(patient, hospital, study, doctor);
      await f.submit('RevokeAccess', await revoke());
      await expectRejected(f, async () => f.submit('RevokeAccess', await revoke()), 'GRANT_NOT_ACTIVE');
    });

    it('lists grants per study and keeps every change in the history', async () => {
      const other = await newParty();
      await f.allow(patient, hospital, study, doctor);
      await f.allow(patient, hospital, study, other);
      f.advance(1);
      await f.submit('RevokeAccess', await f.statement('RevokeAccess', { source: hospital.id, study, recipient: doctor.id }, patient));
      const grants = (await f.query('ListGrants', hospital.id, study)) as { recipient: string; status: string }[];
      assert.deepEqual(grants.map((g) => g.status).sort(), ['active', 'revoked']);
      const history = (await f.query('GetHistory', `grant/${hospital.id}/${study}/${doctor.id}`)) as { history: { txId: string; value: { status: string } }[] };
      assert.deepEqual(
        history.history.map((h) => h.value.status),
        ['revoked', 'active'],
      );
      assert.ok(history.history.every((h) => /^tx\d+$/.test(h.txId)));
    });

    it('sets the source organisation as key-level endorser of the grant', async () => {
      await f.allow(patient, hospital, study, doctor);
      const key = `\u0000grant\u0000${hospital.id}\u0000${study}\u0000${doctor.id}\u0000`;
      assert.deepEqual(f.ledger.validationParameter(key), endorsementPolicy(ORG1));
    });
  });

  describe('RequestAccess and DenyAccess', () => {
    let study: string;
    beforeEach(async () => {
      await f.defineSource(hospital);
      study = await f.defineStudy(hospital, patient);
    });

    it('records a request and the patient denial with its reason', async () => {
      const request = await f.submit('RequestAccess', await f.statement('RequestAccess', { source: hospital.id, study, purpose: 'HRESCH' }, doctor));
      assert.deepEqual([request.status, request.recipient, request.purpose], ['pending', doctor.id, 'HRESCH']);
      assert.equal(f.ledger.events.at(-1)?.name, 'AccessRequested');
      const denied = await f.submit(
        'DenyAccess',
        await f.statement('DenyAccess', { source: hospital.id, study, recipient: doctor.id, reason: 'PURPOSE_REFUSED' }, patient),
      );
      assert.deepEqual([denied.status, denied.reason], ['denied', 'PURPOSE_REFUSED']);
      assert.equal(f.ledger.events.at(-1)?.name, 'AccessDenied');
      assert.equal((await f.check(hospital, study, doctor)).allowed, false);
    });

    it('marks a pending request allowed when the patient grants it', async () => {
      await f.submit('RequestAccess', await f.statement('RequestAccess', { source: hospital.id, study, purpose: 'TREAT' }, doctor));
      await f.allow(patient, hospital, study, doctor);
      const [request] = (await f.query('ListRequests', hospital.id, study)) as { status: string }[];
      assert.equal(request?.status, 'allowed');
    });

    it('rejects a denial without a pending request, or not signed by the patient', async () => {
      const deny = (signer: Party) => f.statement('DenyAccess', { source: hospital.id, study, recipient: doctor.id, reason: 'OTHER' }, signer);
      await expectRejected(f, async () => f.submit('DenyAccess', await deny(patient)), 'REQUEST_NOT_FOUND');
      await f.submit('RequestAccess', await f.statement('RequestAccess', { source: hospital.id, study, purpose: 'TREAT' }, doctor));
      await expectRejected(f, async () => f.submit('DenyAccess', await deny(doctor)), 'SIGNER_NOT_AUTHORISED');
    });
  });

  describe('RotateOwnerKey', () => {
    let study: string;
    let newPatient: Party;
    beforeEach(async () => {
      newPatient = await newParty();
      await f.defineSource(hospital);
      study = await f.defineStudy(hospital, patient, { recovery });
    });

    it('moves the study to the new key; only the new key can then grant', async () => {
      const record = await f.submit('RotateOwnerKey', await f.statement('RotateOwnerKey', { source: hospital.id, study, patient: newPatient.id }, recovery));
      assert.equal(record.patient, newPatient.id);
      assert.equal(record.recovery, recovery.id);
      assert.equal(f.ledger.events.at(-1)?.name, 'OwnerKeyRotated');
      const old = await f.statement('AllowAccess', { source: hospital.id, study, recipient: doctor.id, until: f.nowSeconds + 60 }, patient);
      await expectRejected(f, () => f.submit('AllowAccess', old), 'SIGNER_NOT_AUTHORISED');
      await f.allow(newPatient, hospital, study, doctor);
      assert.equal((await f.check(hospital, study, doctor)).allowed, true);
    });

    it('rejects a rotation not signed by the recovery key, or to the same key', async () => {
      const byPatient = await f.statement('RotateOwnerKey', { source: hospital.id, study, patient: newPatient.id }, patient);
      await expectRejected(f, () => f.submit('RotateOwnerKey', byPatient), 'SIGNER_NOT_AUTHORISED');
      const same = await f.statement('RotateOwnerKey', { source: hospital.id, study, patient: patient.id }, recovery);
      await expectRejected(f, () => f.submit('RotateOwnerKey', same), 'ROTATION_INVALID');
      const toRecovery = await f.statement('RotateOwnerKey', { source: hospital.id, study, patient: recovery.id }, recovery);
      await expectRejected(f, () => f.submit('RotateOwnerKey', toRecovery), 'ROTATION_INVALID');
    });

    it('rejects a rotation for a study defined without recovery key', async () => {
      const plain = await f.defineStudy(hospital, patient);
      const jws = await f.statement('RotateOwnerKey', { source: hospital.id, study: plain, patient: newPatient.id }, recovery);
      await expectRejected(f, () => f.submit('RotateOwnerKey', jws), 'SIGNER_NOT_AUTHORISED');
    });
  });

  describe('RecordDisclosure', () => {
    let study: string;
    beforeEach(async () => {
      await f.defineSource(hospital);
      study = await f.defineStudy(hospital, patient);
    });

    const disclosure = (fields: Partial<{ disclosedAt: number; size: number; requestId: string; encrypted: boolean }> = {}) =>
      f.statement(
        'RecordDisclosure',
        { study, recipient: doctor.id, disclosedAt: f.nowSeconds - 10, size: 1_048_576, requestId: '3f1c9a52-8a4e-4c8b-9f0e-2b7d1e6a4c11', ...fields },
        hospital,
      );

    it('records releases, listed per study', async () => {
      await f.submit('RecordDisclosure', await disclosure());
      await f.submit('RecordDisclosure', await disclosure({ size: 10 }));
      const list = (await f.query('ListDisclosures', hospital.id, study)) as { size: number; recipient: string }[];
      assert.deepEqual(list.map((d) => d.size).sort(), [10, 1_048_576]);
      assert.equal(f.ledger.events.at(-1)?.name, 'DisclosureRecorded');
    });

    it('says whether a release was encrypted end to end: the optional claim, false when a statement does not carry it', async () => {
      await f.submit('RecordDisclosure', await disclosure({ requestId: 'encrypted-release-0001', encrypted: true }));
      await f.submit('RecordDisclosure', await disclosure({ requestId: 'plaintext-release-001', encrypted: false }));
      await f.submit('RecordDisclosure', await disclosure({ requestId: 'statement-without-claim' }));
      const list = (await f.query('ListDisclosures', hospital.id, study)) as { requestId: string; encrypted: unknown }[];
      assert.deepEqual(Object.fromEntries(list.map((d) => [d.requestId, d.encrypted])), {
        'encrypted-release-0001': true,
        'plaintext-release-001': false,
        'statement-without-claim': false,
      });
      await expectRejected(f, async () => f.submit('RecordDisclosure', await disclosure({ encrypted: 'yes' as unknown as boolean })), 'CLAIM_INVALID');
      await expectRejected(f, async () => f.submit('RecordDisclosure', await disclosure({ encrypted: 1 as unknown as boolean })), 'CLAIM_INVALID');
    });

    it('rejects a relay by another organisation, an unknown study, a future time', async () => {
      await expectRejected(f, async () => f.submit('RecordDisclosure', await disclosure(), ORG2), 'RELAY_NOT_AUTHORISED');
      const unknown = await f.statement(
        'RecordDisclosure',
        { study: newStudyReference(), recipient: doctor.id, disclosedAt: f.nowSeconds, size: 1, requestId: 'abcdefghijklmnop' },
        hospital,
      );
      await expectRejected(f, () => f.submit('RecordDisclosure', unknown), 'STUDY_NOT_FOUND');
      await expectRejected(f, async () => f.submit('RecordDisclosure', await disclosure({ disclosedAt: f.nowSeconds + 3600 })), 'CLAIM_INVALID');
    });
  });

  describe('queries', () => {
    it('reject malformed arguments with ARGUMENT_INVALID', async () => {
      for (const call of [
        () => f.query('GetSource', 'not-a-thumbprint'),
        () => f.query('GetStudy', hospital.id, 'x'.repeat(43)),
        () => f.query('CheckAccess', hospital.id, newStudyReference(), doctor.id, '-1'),
        () => f.query('GetHistory', 'grant/only-one'),
        () => f.query('GetHistory', '__proto__/x'),
        () => f.query('GetStake', 'Org1MSP/../x'),
      ]) {
        await expectRejected(f, call, 'ARGUMENT_INVALID');
      }
    });

    it('report missing records with a code', async () => {
      await expectRejected(f, () => f.query('GetSource', hospital.id), 'SOURCE_NOT_FOUND');
      await expectRejected(f, () => f.query('GetStudy', hospital.id, newStudyReference()), 'STUDY_NOT_FOUND');
      assert.equal((await f.check(hospital, newStudyReference(), doctor)).reason, 'SOURCE_NOT_FOUND');
    });

    it('return canonical JSON', async () => {
      await f.defineSource(hospital);
      const text = await f.ledger.invoke((ctx) => f.contract.GetSource(ctx, hospital.id));
      const keys = Object.keys(JSON.parse(text) as object);
      assert.deepEqual(keys, [...keys].sort());
      assert.ok(!/\s/.test(text.replace(/"[^"]*"/g, '')));
    });
  });
});
