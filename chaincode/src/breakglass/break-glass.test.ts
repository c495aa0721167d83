import * as assert from 'node:assert/strict';
import { Keys } from '../ledger/keys';
import { newStudyReference } from '../statement/sign';
import { expectRejected } from '../testing/assertions';
import { Fixture, ORG1, ORG2, newParty, type Party } from '../testing/fixture';
import type { BreakGlassReview } from './audit';
import type { BreakGlassRecord } from './break-glass';
import { BreakGlassSettings } from './settings';

const stub = { createCompositeKey: (t: string, a: string[]) => `\u0000${[t, ...a].join('\u0000')}\u0000` } as never;

describe('break-glass (docs/protocol.md §11)', () => {
  let f: Fixture;
  let hospital: Party;
  let patient: Party;
  let clinician: Party;
  let study: string;

  beforeEach(async () => {
    f = new Fixture();
    [hospital, patient, clinician] = await Promise.all([newParty('ES256'), newParty('EdDSA'), newParty('ES256')]);
    await f.defineSource(hospital, ORG1);
    study = await f.defineStudy(hospital, patient);
  });

  const breakGlass = (by: Party = clinician, fields: { hospital?: string; purpose?: 'ETREAT' | 'TREAT'; until?: number; study?: string } = {}) =>
    f.statement(
      'BreakGlass',
      {
        source: hospital.id,
        study: fields.study ?? study,
        hospital: fields.hospital ?? ORG2,
        purpose: fields.purpose ?? 'ETREAT',
        until: fields.until ?? f.nowSeconds + 4 * 3600,
      },
      by,
    );

  describe('BreakGlass', () => {
    it('opens a lease for the clinician vouched for by the submitting hospital, with an event; CheckAccess allows it like a grant', async () => {
      const record = (await f.submit('BreakGlass', await breakGlass(), ORG2)) as unknown as BreakGlassRecord;
      assert.equal(record.recipient, clinician.id);
      assert.equal(record.hospital, ORG2);
      assert.equal(record.purpose, 'ETREAT');
      assert.equal(record.grantHeld, false);
      assert.equal(record.until, new Date((f.nowSeconds + 4 * 3600) * 1000).toISOString());
      assert.equal(record.id, `breakglass/${hospital.id}/${study}/${clinician.id}/${record.statement}`);
      assert.deepEqual(f.ledger.events.at(-1), {
        name: 'BreakGlass',
        payload: { type: 'BreakGlass', key: record.id, source: hospital.id, study, recipient: clinician.id, hospital: ORG2 },
      });
      const decision = (await f.query('CheckAccess', hospital.id, study, clinician.id, '')) as { allowed: boolean; breakGlass?: BreakGlassRecord };
      assert.equal(decision.allowed, true);
      assert.deepEqual(decision.breakGlass, record);
      assert.deepEqual(await f.query('ListBreakGlass', hospital.id, study), [record]);
    });

    it('ends with its lease: CheckAccess denies at until and after', async () => {
      const until = f.nowSeconds + 600;
      await f.submit('BreakGlass', await breakGlass(clinician, { until }), ORG2);
      assert.equal((await f.check(hospital, study, clinician, String(until - 1))).allowed, true);
      assert.deepEqual(await f.check(hospital, study, clinician, String(until)), {
        allowed: false,
        at: new Date(until * 1000).toISOString(),
        reason: 'NO_GRANT',
      });
    });

    it('writes its record and counter under the chaincode policy, so no single organisation can rewrite them', async () => {
      const record = (await f.submit('BreakGlass', await breakGlass(), ORG2)) as unknown as BreakGlassRecord;
      const key = Keys.breakGlass(hospital.id, study, clinician.id, record.statement).stateKey(stub);
      assert.ok(f.ledger.stateKeys().includes(key));
      assert.equal(f.ledger.validationParameter(key), undefined);
      assert.equal(f.ledger.validationParameter(Keys.breakGlassRate(ORG2, Math.floor(f.ledger.clockMs / 3_600_000)).stateKey(stub)), undefined);
    });

    it('refuses a purpose other than ETREAT with BREAK_GLASS_PURPOSE_INVALID', async () => {
      const jws = await breakGlass(clinician, { purpose: 'TREAT' });
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'BREAK_GLASS_PURPOSE_INVALID');
    });

    it('refuses a lease longer than the consortium maximum, or already over, with BREAK_GLASS_LEASE_INVALID', async () => {
      for (const until of [f.nowSeconds + BreakGlassSettings.maxLeaseSeconds + 1, f.nowSeconds]) {
        const jws = await breakGlass(clinician, { until });
        await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'BREAK_GLASS_LEASE_INVALID');
      }
      await f.submit('BreakGlass', await breakGlass(clinician, { until: f.nowSeconds + BreakGlassSettings.maxLeaseSeconds }), ORG2);
    });

    it("refuses a hospital vouching for another's clinician with BREAK_GLASS_FOREIGN_HOSPITAL", async () => {
      const jws = await breakGlass(clinician, { hospital: ORG2 });
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG1), 'BREAK_GLASS_FOREIGN_HOSPITAL');
    });

    it('refuses a study whose patient forbade break-glass in the consent, with BREAK_GLASS_FORBIDDEN', async () => {
      const ref = newStudyReference();
      const consent = await f.statement('PatientConsent', { source: hospital.id, study: ref, breakGlass: false }, patient);
      await f.submit('DefineStudy', await f.statement('DefineStudy', { study: ref, consent }, hospital));
      assert.equal(((await f.query('GetStudy', hospital.id, ref)) as { breakGlassForbidden?: boolean }).breakGlassForbidden, true);
      const jws = await breakGlass(clinician, { study: ref });
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'BREAK_GLASS_FORBIDDEN');
    });

    it('refuses a replay with STATEMENT_REPLAYED, even when the hour is used up', async () => {
      const jws = await breakGlass();
      await f.submit('BreakGlass', jws, ORG2);
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'STATEMENT_REPLAYED');
      for (let i = 1; i < BreakGlassSettings.maxPerHospitalPerHour; i++) {
        await f.submit('BreakGlass', await breakGlass(await newParty()), ORG2);
      }
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'STATEMENT_REPLAYED');
    });

    it('refuses a hospital beyond its hourly limit with BREAK_GLASS_LIMIT_REACHED; other hospitals and the next hour are not limited', async () => {
      f.advance(60); // not at the start of an hour: the window is the clock hour, not the last 60 minutes
      for (let i = 0; i < BreakGlassSettings.maxPerHospitalPerHour; i++) {
        await f.submit('BreakGlass', await breakGlass(await newParty()), ORG2);
      }
      const over = await breakGlass(await newParty());
      await expectRejected(f, () => f.submit('BreakGlass', over, ORG2), 'BREAK_GLASS_LIMIT_REACHED');
      await f.submit('BreakGlass', await breakGlass(await newParty(), { hospital: ORG1 }), ORG1);
      f.advance(3600 - 60);
      await f.submit('BreakGlass', await breakGlass(await newParty()), ORG2);
    });

    it('allows a clinician who holds a grant, and still records it as break-glass', async () => {
      await f.allow(patient, hospital, study, clinician);
      const record = (await f.submit('BreakGlass', await breakGlass(), ORG2)) as unknown as BreakGlassRecord;
      assert.equal(record.grantHeld, true);
      assert.equal(f.ledger.events.at(-1)?.name, 'BreakGlass');
      assert.equal(((await f.query('ListBreakGlass', hospital.id, study)) as unknown[]).length, 1);
      // The grant is the better basis for a release while it holds.
      assert.ok('grant' in ((await f.query('CheckAccess', hospital.id, study, clinician.id, '')) as object));
    });

    it('refuses an unknown source or study', async () => {
      const jws = await breakGlass(clinician, { study: newStudyReference() });
      await expectRejected(f, () => f.submit('BreakGlass', jws, ORG2), 'STUDY_NOT_FOUND');
    });
  });

  describe('BreakGlassConsent', () => {
    const consent = (allow: boolean, by: Party = patient, issuedAt?: number) =>
      f.statement('BreakGlassConsent', { source: hospital.id, study, allow }, by, issuedAt === undefined ? {} : { issuedAt });

    it('lets the patient forbid break-glass later, and allow it again', async () => {
      await f.submit('BreakGlassConsent', await consent(false));
      assert.equal(f.ledger.events.at(-1)?.name, 'BreakGlassConsentChanged');
      const refused = await breakGlass();
      await expectRejected(f, () => f.submit('BreakGlass', refused, ORG2), 'BREAK_GLASS_FORBIDDEN');
      f.advance(1);
      await f.submit('BreakGlassConsent', await consent(true));
      assert.equal(((await f.query('GetStudy', hospital.id, study)) as { breakGlassForbidden?: boolean }).breakGlassForbidden, undefined);
      await f.submit('BreakGlass', refused, ORG2);
    });

    it('refuses a signer other than the patient with SIGNER_NOT_AUTHORISED', async () => {
      const jws = await consent(false, clinician);
      await expectRejected(f, () => f.submit('BreakGlassConsent', jws), 'SIGNER_NOT_AUTHORISED');
    });

    it('refuses one issued before the one in force with STATEMENT_SUPERSEDED', async () => {
      const older = await consent(true, patient, f.nowSeconds - 10);
      await f.submit('BreakGlassConsent', await consent(false));
      await expectRejected(f, () => f.submit('BreakGlassConsent', older), 'STATEMENT_SUPERSEDED');
    });
  });

  describe('releases under break-glass', () => {
    const disclose = (fields: { breakGlass?: string } = {}) =>
      f.statement(
        'RecordDisclosure',
        { study, recipient: clinician.id, disclosedAt: f.nowSeconds, size: 2048, requestId: 'request-000000000001', ...fields },
        hospital,
      );

    it('are recorded as such, and the audit lists who, which hospital, when and what was released', async () => {
      const lease = (await f.submit('BreakGlass', await breakGlass(), ORG2)) as unknown as BreakGlassRecord;
      const disclosure = await f.submit('RecordDisclosure', await disclose({ breakGlass: lease.statement }));
      assert.equal(disclosure.breakGlass, lease.id);
      await f.submit('RecordDisclosure', await disclose());
      const review = (await f.query('AuditBreakGlass', '')) as BreakGlassReview[];
      const [only, ...more] = review;
      assert.ok(only !== undefined && more.length === 0);
      assert.equal(only.recipient, clinician.id);
      assert.equal(only.hospital, ORG2);
      assert.equal(only.grantedAt, lease.grantedAt);
      assert.deepEqual(only.releases, [{ id: disclosure.id, disclosedAt: disclosure.disclosedAt, size: 2048, requestId: 'request-000000000001' }]);
      assert.deepEqual(await f.query('AuditBreakGlass', new Date(f.ledger.clockMs + 1).toISOString()), []);
      await expectRejected(f, () => f.query('AuditBreakGlass', 'yesterday'), 'ARGUMENT_INVALID');
    });

    it('refuses a release naming a break-glass lease that does not exist with BREAK_GLASS_NOT_FOUND', async () => {
      const jws = await disclose({ breakGlass: 'a'.repeat(64) });
      await expectRejected(f, () => f.submit('RecordDisclosure', jws), 'BREAK_GLASS_NOT_FOUND');
    });
  });
});
