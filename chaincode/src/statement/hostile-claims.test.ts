import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { ErrorCodes, LedgerError } from '../errors';
import { Fixture, newParty, signRaw, type Party } from '../testing/fixture';
import { hostileJsonText, hostileMemberName, withMemberText } from '../testing/hostile-json';
import { canonicalJson } from './canonical';
import { ClaimSchemas, STATEMENT_TYPES, type StatementType } from './claims';
import { publicJwk } from './keys';
import { STATEMENT_MEDIA_TYPE } from './limits';
import { newNonce, newStudyReference } from './sign';
import { verifyStatement } from './verify';

/** Where a statement of each type would take effect, and what submitting one looks like. */
interface Scenario {
  readonly f: Fixture;
  readonly signer: Party;
  /** Valid claims of the type, as the signer would sign them. */
  readonly claims: () => Promise<Record<string, unknown>>;
  /** Submits a signed statement of the type (PatientConsent: embedded in a valid DefineStudy). */
  readonly submit: (jws: string) => Promise<unknown>;
}

async function scenario(type: StatementType): Promise<Scenario> {
  const f = new Fixture();
  const [hospital, patient, doctor, researcher, recovery, stranger] = await Promise.all([
    newParty('ES256'),
    newParty('EdDSA'),
    newParty('ES256'),
    newParty('EdDSA'),
    newParty('EdDSA'),
    newParty('ES256'),
  ]);
  await f.defineSource(hospital);
  const study = await f.defineStudy(hospital, patient, { recovery });
  await f.allow(patient, hospital, study, doctor);
  await f.submit('RequestAccess', await f.statement('RequestAccess', { source: hospital.id, study, purpose: 'HRESCH' }, researcher));
  const tx = (name: Parameters<Fixture['submit']>[0]) => (jws: string) => f.submit(name, jws);
  const on = { source: hospital.id, study };
  switch (type) {
    case 'DefineSource':
      return { f, signer: stranger, claims: () => f.claims('DefineSource', { url: 'https://pacs.new.example/iti43' }, stranger), submit: tx('DefineSource') };
    case 'UpdateSourceUrl':
      return {
        f,
        signer: hospital,
        claims: () => f.claims('UpdateSourceUrl', { url: 'https://pacs.moved.example/' }, hospital),
        submit: tx('UpdateSourceUrl'),
      };
    case 'DeactivateSource':
      return { f, signer: hospital, claims: () => f.claims('DeactivateSource', {}, hospital), submit: tx('DeactivateSource') };
    case 'DefineStudy': {
      const ref = newStudyReference();
      const consent = await f.consent(patient, hospital, ref);
      return { f, signer: hospital, claims: () => f.claims('DefineStudy', { study: ref, consent }, hospital), submit: tx('DefineStudy') };
    }
    case 'PatientConsent': {
      const ref = newStudyReference();
      return {
        f,
        signer: patient,
        claims: () => f.claims('PatientConsent', { source: hospital.id, study: ref, recovery: recovery.id }, patient),
        submit: async (consent) => f.submit('DefineStudy', await f.statement('DefineStudy', { study: ref, consent }, hospital)),
      };
    }
    case 'AllowAccess':
      return {
        f,
        signer: patient,
        claims: () => f.claims('AllowAccess', { ...on, recipient: researcher.id, until: f.nowSeconds + 600, purpose: 'HRESCH' }, patient),
        submit: tx('AllowAccess'),
      };
    case 'RevokeAccess':
      return { f, signer: patient, claims: () => f.claims('RevokeAccess', { ...on, recipient: doctor.id }, patient), submit: tx('RevokeAccess') };
    case 'RequestAccess':
      return { f, signer: doctor, claims: () => f.claims('RequestAccess', { ...on, purpose: 'TREAT' }, doctor), submit: tx('RequestAccess') };
    case 'DenyAccess':
      return {
        f,
        signer: patient,
        claims: () => f.claims('DenyAccess', { ...on, recipient: researcher.id, reason: 'NOT_NEEDED' }, patient),
        submit: tx('DenyAccess'),
      };
    case 'RotateOwnerKey':
      return { f, signer: recovery, claims: () => f.claims('RotateOwnerKey', { ...on, patient: stranger.id }, recovery), submit: tx('RotateOwnerKey') };
    case 'RecordDisclosure':
      return {
        f,
        signer: hospital,
        claims: () => f.claims('RecordDisclosure', { study, recipient: doctor.id, disclosedAt: f.nowSeconds, size: 1024, requestId: newNonce() }, hospital),
        submit: tx('RecordDisclosure'),
      };
    case 'BreakGlass':
      return {
        f,
        signer: stranger,
        claims: () => f.claims('BreakGlass', { ...on, hospital: 'Org1MSP', purpose: 'ETREAT', until: f.nowSeconds + 3600 }, stranger),
        submit: tx('BreakGlass'),
      };
    case 'BreakGlassConsent':
      return { f, signer: patient, claims: () => f.claims('BreakGlassConsent', { ...on, allow: false }, patient), submit: tx('BreakGlassConsent') };
  }
}

const PROTOCOL = readFileSync(join(__dirname, '../../../docs/protocol.md'), 'utf8');

/** Fails unless err is a coded protocol rejection (never a plain Error or TypeError: that would be a 500). */
function assertCoded(err: unknown): asserts err is LedgerError {
  assert.ok(err instanceof LedgerError, `expected a LedgerError, got ${inspect(err)}`);
  assert.ok(Object.hasOwn(ErrorCodes, err.code) && PROTOCOL.includes(`| \`${err.code}\` |`), `code ${err.code} is not in docs/protocol.md`);
  assert.ok(err.message.startsWith(`${err.code}: `), err.message);
}

/**
 * Any JSON value in any claim (or in an extra one) of any statement type, signed with a valid key:
 * verifyStatement and the transaction refuse it with a documented code and change nothing.
 */
describe('hostile claim values (property, every statement type and claim)', () => {
  for (const type of STATEMENT_TYPES) {
    describe(type, () => {
      let s: Scenario;

      before(async () => {
        s = await scenario(type);
      });

      it('refuses any JSON value in any claim with a documented code, leaving the ledger unchanged', async () => {
        const names = Object.keys(ClaimSchemas[type].shape);
        const member = fc.oneof(fc.constantFrom(...names), hostileMemberName);
        let refusals = 0;
        await fc.assert(
          fc.asyncProperty(member, hostileJsonText, async (name, text) => {
            const payload = withMemberText(await s.claims(), name, text, canonicalJson);
            const jws = await signRaw(payload, { typ: STATEMENT_MEDIA_TYPE, jwk: publicJwk(s.signer.privateJwk) }, s.signer.privateJwk);
            const before = s.f.ledger.snapshot();
            const events = s.f.ledger.events.length;
            const verified = await verifyStatement(jws, type, { audience: s.f.audience, nowMs: s.f.ledger.clockMs }).then(
              () => true,
              (err: unknown) => {
                assertCoded(err);
                return false;
              },
            );
            try {
              await s.submit(jws);
            } catch (err) {
              assertCoded(err);
              assert.deepEqual(s.f.ledger.snapshot(), before, 'nothing written');
              assert.equal(s.f.ledger.events.length, events, 'no event');
              refusals += 1;
              return;
            }
            // Accepted: only possible for a value the claim allows, which verification passed too.
            assert.ok(verified, `${type} accepted a statement verifyStatement refused: ${payload.slice(0, 200)}`);
          }),
          { numRuns: 150 },
        );
        assert.ok(refusals > 100, `the property is not vacuous (${String(refusals)} refusals)`);
      });

      it('accepts the unaltered statement (the scenario is one where it takes effect)', async () => {
        // A fresh scenario: the property above may have applied a statement whose altered value was valid
        // (e.g. PatientConsent's optional breakGlass member set to true), taking this one's effect.
        const fresh = await scenario(type);
        const claims = await fresh.claims();
        const jws = await signRaw(canonicalJson(claims), { typ: STATEMENT_MEDIA_TYPE, jwk: publicJwk(fresh.signer.privateJwk) }, fresh.signer.privateJwk);
        await fresh.submit(jws);
      });

      for (const [label, text] of [
        ['1e400', '1e400'],
        ['-1e400', '-1e400'],
        ['a lone surrogate', '"\\ud800"'],
      ] as const) {
        it(`refuses ${label} in a claim with PAYLOAD_INVALID`, async () => {
          const name =
            type === 'DeactivateSource'
              ? 'iat'
              : (Object.keys(ClaimSchemas[type].shape).find((n) => !['type', 'iss', 'aud', 'iat', 'exp', 'jti'].includes(n)) ?? 'iat');
          const payload = withMemberText(await s.claims(), name, text, canonicalJson);
          const jws = await signRaw(payload, { typ: STATEMENT_MEDIA_TYPE, jwk: publicJwk(s.signer.privateJwk) }, s.signer.privateJwk);
          const before = s.f.ledger.snapshot();
          await assert.rejects(s.submit(jws), (err: unknown) => {
            assertCoded(err);
            assert.equal(err.code, 'PAYLOAD_INVALID', err.message);
            return true;
          });
          assert.deepEqual(s.f.ledger.snapshot(), before);
        });
      }
    });
  }
});
