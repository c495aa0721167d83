import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { LedgerError } from '../errors';
import { Fixture, newParty, type Party } from '../testing/fixture';
import { signClaims } from './sign';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/';

/** Random mutations of a valid statement are rejected with a code and leave the ledger unchanged. */
describe('statement mutations (property)', () => {
  let f: Fixture;
  let hospital: Party;
  let patient: Party;
  let others: Party[];
  let study: string;
  let valid: Record<string, unknown>;
  let validJws: string;

  before(async () => {
    f = new Fixture();
    [hospital, patient] = await Promise.all([newParty('ES256'), newParty('ES256')]);
    others = await Promise.all([newParty('ES256'), newParty('EdDSA')]);
    await f.defineSource(hospital);
    study = await f.defineStudy(hospital, patient);
    valid = await f.claims('AllowAccess', { source: hospital.id, study, recipient: others[0]!.id, until: f.nowSeconds + 600 }, patient);
    validJws = await signClaims(valid, patient.privateJwk);
  });

  async function assertRejectedUnchanged(jws: string): Promise<void> {
    const before = f.ledger.snapshot();
    const events = f.ledger.events.length;
    await assert.rejects(
      f.ledger.invoke((ctx) => f.contract.AllowAccess(ctx, jws)),
      (err: unknown) => err instanceof LedgerError && err.message.startsWith(`${err.code}: `),
    );
    assert.deepEqual(f.ledger.snapshot(), before);
    assert.equal(f.ledger.events.length, events);
  }

  it('rejects any single-character change of header, payload or signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 10_000 }), fc.constantFrom(...ALPHABET.split('')), async (position, replacement) => {
        const index = position % validJws.length;
        fc.pre(validJws[index] !== replacement);
        await assertRejectedUnchanged(validJws.slice(0, index) + replacement + validJws.slice(index + 1));
      }),
      { numRuns: 150 },
    );
  });

  it('rejects truncations and insertions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 10_000 }), fc.string({ minLength: 0, maxLength: 4 }), async (position, inserted) => {
        const index = position % validJws.length;
        await assertRejectedUnchanged(validJws.slice(0, index) + inserted + (inserted === '' ? '' : validJws.slice(index)));
      }),
      { numRuns: 80 },
    );
  });

  it('rejects changed claims re-signed with a key other than the patient', async () => {
    const claim = fc.constantFrom('recipient', 'until', 'study', 'source', 'purpose', 'jti');
    await fc.assert(
      fc.asyncProperty(claim, fc.nat({ max: 1 }), fc.boolean(), async (name, signerIndex, keepIss) => {
        const signer = others[signerIndex]!;
        const changed: Record<string, unknown> = { ...valid };
        changed[name] = name === 'until' ? (valid.until as number) + 1 : name === 'purpose' ? 'HRESCH' : name === 'jti' ? 'changed-nonce-000' : others[1]!.id;
        if (!keepIss) {
          changed.iss = signer.id;
        }
        await assertRejectedUnchanged(await signClaims(changed, signer.privateJwk));
      }),
      { numRuns: 40 },
    );
  });

  it('the unmutated statement is accepted (the property is not vacuous)', async () => {
    await f.submit('AllowAccess', validJws);
    assert.equal((await f.check(hospital, study, others[0]!)).allowed, true);
  });
});
