import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { LedgerContract } from '../contract';
import { newStudyReference } from '../statement/sign';
import { Fixture, ORG1, ORG2, newParty, type Party } from '../testing/fixture';
import { Changes } from './changes';
import { CHAINCODE_POLICY_KINDS, Keys } from './keys';

const ADMIN = 'x509::/OU=admin/CN=admin::/C=US/CN=ca';

/** The contract's transactions as fabric-contract-api registers them (what the peer can invoke). */
function submitTransactions(): string[] {
  const reflect = Reflect as unknown as { getMetadata(key: string, target: object): { name: string; tag: string[] }[] | undefined };
  const transactions = reflect.getMetadata('fabric:transactions', LedgerContract.prototype) ?? [];
  return transactions
    .filter((t) => t.tag.includes('SUBMIT'))
    .map((t) => t.name)
    .sort();
}

type Invoke = (ctx: Context) => Promise<string>;

/** A source with one study: its key, the patient, a third party, and the study reference. */
async function published(f: Fixture): Promise<{ h: Party; p: Party; d: Party; study: string }> {
  const [h, p, d] = await Promise.all([newParty(), newParty(), newParty()]);
  await f.defineSource(h);
  return { h, p, d, study: await f.defineStudy(h, p) };
}

/**
 * For each write transaction: prepares a ledger where it takes effect and returns the invocation.
 * A transaction added to the contract without an entry here fails the test below.
 */
const SCENARIOS: Readonly<Record<string, (f: Fixture) => Promise<Invoke>>> = {
  DefineSource: async (f) => {
    const jws = await f.statement('DefineSource', { url: 'https://a.example/' }, await newParty());
    return (ctx) => f.contract.DefineSource(ctx, jws);
  },
  UpdateSourceUrl: async (f) => {
    const h = await newParty();
    await f.defineSource(h);
    const jws = await f.statement('UpdateSourceUrl', { url: 'https://b.example/' }, h);
    return (ctx) => f.contract.UpdateSourceUrl(ctx, jws);
  },
  DeactivateSource: async (f) => {
    const h = await newParty();
    await f.defineSource(h);
    const jws = await f.statement('DeactivateSource', {}, h);
    return (ctx) => f.contract.DeactivateSource(ctx, jws);
  },
  DefineStudy: async (f) => {
    const [h, p] = await Promise.all([newParty(), newParty()]);
    await f.defineSource(h);
    const study = newStudyReference();
    const jws = await f.statement('DefineStudy', { study, consent: await f.consent(p, h, study) }, h);
    return (ctx) => f.contract.DefineStudy(ctx, jws);
  },
  AllowAccess: async (f) => {
    const { h, p, d, study } = await published(f);
    // A pending request too, so the grant also updates an existing key-level-endorsed record.
    await f.submit('RequestAccess', await f.statement('RequestAccess', { source: h.id, study, purpose: 'TREAT' }, d), ORG2);
    const jws = await f.statement('AllowAccess', { source: h.id, study, recipient: d.id, until: f.nowSeconds + 600 }, p);
    return (ctx) => f.contract.AllowAccess(ctx, jws);
  },
  RevokeAccess: async (f) => {
    const { h, p, d, study } = await published(f);
    await f.allow(p, h, study, d);
    const jws = await f.statement('RevokeAccess', { source: h.id, study, recipient: d.id }, p);
    return (ctx) => f.contract.RevokeAccess(ctx, jws);
  },
  RequestAccess: async (f) => {
    const { h, d, study } = await published(f);
    const jws = await f.statement('RequestAccess', { source: h.id, study, purpose: 'TREAT' }, d);
    return (ctx) => f.contract.RequestAccess(ctx, jws);
  },
  DenyAccess: async (f) => {
    const { h, p, d, study } = await published(f);
    await f.submit('RequestAccess', await f.statement('RequestAccess', { source: h.id, study, purpose: 'TREAT' }, d));
    const jws = await f.statement('DenyAccess', { source: h.id, study, recipient: d.id, reason: 'OTHER' }, p);
    return (ctx) => f.contract.DenyAccess(ctx, jws);
  },
  RotateOwnerKey: async (f) => {
    const [h, p, r, q] = await Promise.all([newParty(), newParty(), newParty(), newParty()]);
    await f.defineSource(h);
    const study = await f.defineStudy(h, p, { recovery: r });
    const jws = await f.statement('RotateOwnerKey', { source: h.id, study, patient: q.id }, r);
    return (ctx) => f.contract.RotateOwnerKey(ctx, jws);
  },
  RecordDisclosure: async (f) => {
    const { h, d, study } = await published(f);
    const jws = await f.statement('RecordDisclosure', { study, recipient: d.id, disclosedAt: f.nowSeconds, size: 1, requestId: 'request-0000000001' }, h);
    return (ctx) => f.contract.RecordDisclosure(ctx, jws);
  },
  BreakGlass: async (f) => {
    const { h, d, study } = await published(f);
    const jws = await f.statement('BreakGlass', { source: h.id, study, hospital: ORG1, purpose: 'ETREAT', until: f.nowSeconds + 3600 }, d);
    return (ctx) => f.contract.BreakGlass(ctx, jws);
  },
  BreakGlassConsent: async (f) => {
    const { h, p, study } = await published(f);
    const jws = await f.statement('BreakGlassConsent', { source: h.id, study, allow: false }, p);
    return (ctx) => f.contract.BreakGlassConsent(ctx, jws);
  },
  RecordEpoch: (f) => {
    const policy = "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer')";
    const compiled = {
      schema: 'isl.stake-policy/v1',
      epoch: 2,
      input: { stakes: { [ORG1]: 1, [ORG2]: 1 } },
      output: { policy, policySha256: createHash('sha256').update(policy).digest('hex') },
    };
    return Promise.resolve((ctx) => f.contract.RecordEpoch(ctx, JSON.stringify({ sequence: 2, block: 5, compiled })));
  },
};

/**
 * Key-level endorsement replaces the chaincode policy for its key; it does not add to it.
 * The stake-weighted chaincode policy holds for a transaction only because it also writes
 * a key without a key-level policy (docs/protocol.md §4, "Relaying and endorsement").
 */
describe('every write transaction is held to the chaincode endorsement policy', () => {
  const transactions = submitTransactions();

  it('finds the write transactions in the contract metadata, each with a scenario here', () => {
    assert.ok(transactions.length >= 11, `found ${transactions.join(', ')}`);
    assert.deepEqual(transactions, Object.keys(SCENARIOS).sort(), 'add a scenario for every new write transaction (and drop removed ones)');
  });

  for (const name of transactions) {
    it(`${name} writes at least one key that has no key-level endorsement policy`, async () => {
      const scenario = SCENARIOS[name];
      assert.ok(scenario, `no scenario for ${name}`);
      const f = new Fixture();
      const invoke = await scenario(f);
      const from = f.ledger.attemptedWrites.length;
      await f.ledger.invoke(invoke, { mspId: ORG1, id: ADMIN });
      const written = f.ledger.attemptedWrites.slice(from).filter((key) => !key.startsWith('validation:'));
      assert.ok(written.length > 0, `${name} wrote nothing`);
      // Committed parameters include those set earlier and by this transaction: a key without one is
      // validated against the chaincode policy, whether it is new or updated.
      const governedByChaincode = written.filter((key) => f.ledger.validationParameter(key) === undefined);
      assert.ok(
        governedByChaincode.length > 0,
        `${name} writes only keys with a key-level policy: ${written.map((k) => k.split('\u0000')[1] ?? k).join(', ')}`,
      );
      for (const key of governedByChaincode) {
        const kind = key.split('\u0000')[1] ?? '';
        assert.ok((CHAINCODE_POLICY_KINDS as ReadonlySet<string>).has(kind), `${name} wrote a ${kind} key without a key-level policy`);
      }
    });
  }

  describe('Changes enforces it for any future transaction', () => {
    const stub = {
      createCompositeKey: (type: string, attributes: string[]) => `\u0000${[type, ...attributes].join('\u0000')}\u0000`,
      putState: () => Promise.resolve(),
      setStateValidationParameter: () => Promise.resolve(),
      setEvent: () => undefined,
    };
    const digest = 'a'.repeat(64);

    it('refuses to apply writes that all carry a key-level policy', async () => {
      const changes = new Changes().put(Keys.source('s'), {}, ORG1).put(Keys.study('s', 'x'), {}, ORG1);
      await assert.rejects(changes.apply(stub as never), /must write a key governed by the chaincode endorsement policy/);
      await new Changes()
        .put(Keys.source('s'), {}, ORG1)
        .put(Keys.used(digest), {})
        .apply(stub as never);
    });

    it('refuses a key-level policy on a used or epoch key, and a record of a source without one', () => {
      assert.throws(() => new Changes().put(Keys.used(digest), {}, ORG1), /must not have a key-level endorsement policy/);
      assert.throws(() => new Changes().put(Keys.epochHead(), {}, ORG1), /must not have a key-level endorsement policy/);
      assert.throws(() => new Changes().put(Keys.grant('s', 'x', 'r'), {}), /need a key-level endorsement policy/);
    });
  });
});
