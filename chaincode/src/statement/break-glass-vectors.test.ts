import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import type { ErrorCode } from '../errors';
import { expectRejected } from '../testing/assertions';
import { Fixture } from '../testing/fixture';
import { MemoryLedger } from '../testing/memory-ledger';
import { canonicalJson } from './canonical';
import { algorithmOf, publicJwk } from './keys';

interface Step {
  readonly name: string;
  readonly transaction: string;
  readonly mspId: string;
  readonly claims: Record<string, unknown>;
  readonly statement: string;
  readonly expect: string;
}

const vectors = JSON.parse(readFileSync(join(__dirname, 'break-glass-vectors.json'), 'utf8')) as {
  channel: string;
  transactionTime: number;
  keys: Record<string, { privateJwk: JWK; thumbprint: string }>;
  steps: Step[];
  finalChecks: { query: string; args: string[]; expect: Record<string, unknown> }[];
};
const doc = readFileSync(join(__dirname, '../../../docs/protocol.md'), 'utf8');
const section = doc.slice(doc.indexOf('### 11.6 Test vectors'));

/** The cells of the table rows that follow `header` (code spans unwrapped). */
const rowsAfter = (header: string): string[][] =>
  section
    .slice(section.indexOf(header))
    .split('\n')
    .slice(2)
    .filter((line, i, lines) => line.startsWith('|') && lines.slice(0, i).every((l) => l.startsWith('|')))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')),
    );

describe('break-glass test vectors (docs/protocol.md §11.6, break-glass-vectors.json)', () => {
  const fixture = new Fixture(new MemoryLedger({ channel: vectors.channel, clockMs: vectors.transactionTime * 1000 }));

  it('are listed in §11.6, step by step with relay and outcome, and with the expected query results', () => {
    assert.deepEqual(
      rowsAfter('| # | transaction | relay | case | expect |'),
      vectors.steps.map((s, i) => [String(i + 1), s.transaction, s.mspId, s.name, s.expect]),
    );
    assert.deepEqual(
      rowsAfter('| query | arguments | expect |').map(([query, args, expect]) => [query, JSON.parse(args ?? ''), JSON.parse(expect ?? '')] as unknown[]),
      vectors.finalChecks.map((c) => [c.query, c.args, c.expect]),
    );
    const shown = /canonical claims\n\n```json\n([^\n]*)\n```/.exec(section)?.[1];
    assert.equal(shown, canonicalJson(vectors.steps[2]?.claims));
  });

  it('sign the canonical claims with the key their iss names', async () => {
    for (const step of vectors.steps) {
      const key = Object.values(vectors.keys).find((k) => k.thumbprint === step.claims.iss);
      assert.ok(key, step.name);
      const alg = algorithmOf(key.privateJwk) ?? 'EdDSA';
      const { payload } = await compactVerify(step.statement, await importJWK(publicJwk(key.privateJwk), alg));
      assert.equal(new TextDecoder().decode(payload), canonicalJson(step.claims), step.name);
    }
  });

  describe('steps, in order', () => {
    for (const [index, step] of vectors.steps.entries()) {
      it(`${String(index + 1)}. ${step.name}: ${step.expect}`, async () => {
        const method = fixture.contract[step.transaction as 'BreakGlass'].bind(fixture.contract);
        const run = () => fixture.ledger.invoke((ctx) => method(ctx, step.statement), { mspId: step.mspId });
        if (step.expect === 'accept') {
          await run();
        } else {
          await expectRejected(fixture, run, step.expect as ErrorCode);
        }
      });
    }

    it('then end in the expected state', async () => {
      for (const check of vectors.finalChecks) {
        const result = (await fixture.query(check.query as 'CheckAccess', ...check.args)) as Record<string, unknown>;
        for (const [name, value] of Object.entries(check.expect)) {
          assert.deepEqual(result[name], value, `${check.query} ${name}`);
        }
      }
    });
  });
});
