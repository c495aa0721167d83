import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeProtectedHeader, type JWK } from 'jose';
import { isStatementType } from './claims';
import { canonicalJson } from './canonical';
import { thumbprint } from './keys';
import { expectRejected } from '../testing/assertions';
import { Fixture } from '../testing/fixture';
import { MemoryLedger } from '../testing/memory-ledger';
import type { ErrorCode } from '../errors';

interface Vectors {
  channel: string;
  chaincode: string;
  audience: string;
  transactionTime: number;
  keys: Record<string, { privateJwk: JWK; thumbprint: string }>;
  steps: { name: string; transaction: string; mspId: string; claims?: Record<string, unknown>; statement: string; expect: string }[];
  finalChecks: { query: string; args: string[]; expect: Record<string, unknown> | unknown[] }[];
}

/** The vectors of docs/protocol.md, checked against the chaincode. */
describe('protocol test vectors (docs/protocol.md, chaincode/src/statement/vectors.json)', () => {
  const vectors = JSON.parse(readFileSync(`${__dirname}/vectors.json`, 'utf8')) as Vectors;
  const fixture = new Fixture(new MemoryLedger({ channel: vectors.channel, clockMs: vectors.transactionTime * 1000 }));

  it('use the audience format and the chaincode name the contract expects', () => {
    assert.equal(fixture.audience, vectors.audience);
    assert.equal(vectors.audience, `isl:${vectors.channel}/${vectors.chaincode}`);
  });

  it('give each key its RFC 7638 thumbprint', async () => {
    for (const [role, key] of Object.entries(vectors.keys)) {
      assert.equal(await thumbprint(key.privateJwk), key.thumbprint, role);
    }
  });

  it('show claims whose canonical form is the statement payload', () => {
    for (const step of vectors.steps.filter((s) => s.claims !== undefined && s.expect !== 'SIGNATURE_INVALID')) {
      const payload = Buffer.from(step.statement.split('.')[1] ?? '', 'base64url').toString('utf8');
      assert.equal(payload, canonicalJson(step.claims), step.name);
      assert.equal(decodeProtectedHeader(step.statement).typ, 'isl-statement+jws', step.name);
    }
  });

  describe('steps, in order', () => {
    for (const [index, step] of vectors.steps.entries()) {
      it(`${index + 1}. ${step.name}: ${step.expect}`, async () => {
        assert.ok(isStatementType(step.transaction));
        const method = fixture.contract[step.transaction as 'AllowAccess'].bind(fixture.contract);
        const run = () => fixture.ledger.invoke((ctx) => method(ctx, step.statement), { mspId: step.mspId });
        if (step.expect === 'accept') {
          const events = fixture.ledger.events.length;
          await run();
          assert.equal(fixture.ledger.events.length, events + 1);
        } else {
          await expectRejected(fixture, run, step.expect as ErrorCode);
        }
      });
    }

    it('then end in the expected state', async () => {
      for (const check of vectors.finalChecks) {
        const result = await fixture.query(check.query as 'CheckAccess', ...check.args);
        if (Array.isArray(check.expect)) {
          assert.deepEqual(result, check.expect);
        } else {
          for (const [name, value] of Object.entries(check.expect)) {
            assert.deepEqual((result as Record<string, unknown>)[name], value, `${check.query} ${name}`);
          }
        }
      }
    });
  });
});
