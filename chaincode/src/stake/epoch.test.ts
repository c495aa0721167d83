import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { ErrorCodes, LedgerError } from '../errors';
import { expectRejected } from '../testing/assertions';
import { Fixture, ORG1, ORG2 } from '../testing/fixture';
import { hostileJsonText, hostileMemberName } from '../testing/hostile-json';

const ADMIN = 'x509::/OU=admin/CN=admin::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca';
const CLIENT = 'x509::/OU=client/CN=client::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca';
// An issuer OU of "admin" must not make a client an admin: only the subject counts.
const CLIENT_OF_ADMIN_ISSUER = 'x509::/OU=client/CN=client::/OU=admin/CN=ca';

const PROTOCOL = readFileSync(join(__dirname, '../../../docs/protocol.md'), 'utf8');

const POLICY = "OR(AND('Org1MSP.peer', 'Org2MSP.peer'))";

function epochJson(sequence: number, overrides: { epoch?: number; policy?: string; sha?: string; block?: number } = {}): string {
  const policy = overrides.policy ?? POLICY;
  return JSON.stringify({
    sequence,
    block: overrides.block ?? 12,
    compiled: {
      schema: 'isl.stake-policy/v1',
      epoch: overrides.epoch ?? sequence,
      input: { stakes: { [ORG1]: 3, [ORG2]: 1 }, threshold: { numerator: 1, denominator: 2, strict: true } },
      output: { policy, policySha256: overrides.sha ?? createHash('sha256').update(policy, 'utf8').digest('hex') },
    },
  });
}

describe('RecordEpoch', () => {
  let f: Fixture;

  beforeEach(() => {
    f = new Fixture();
  });

  const record = (json: string, id = ADMIN, mspId = ORG1): Promise<Record<string, unknown>> =>
    f.ledger.invoke(async (ctx) => JSON.parse(await f.contract.RecordEpoch(ctx, json)) as Record<string, unknown>, { mspId, id });

  it('records the epoch stated by an admin, readable by GetEpoch and ListEpochs, with an event', async () => {
    const result = await record(epochJson(2), ADMIN, ORG2);
    assert.equal(result.id, 'epoch/0000000002');
    assert.equal(result.sequence, 2);
    assert.equal(result.block, 12);
    assert.equal(result.policy, POLICY);
    assert.deepEqual(result.stakes, { [ORG1]: 3, [ORG2]: 1 });
    assert.equal(result.recordedBy, ORG2);
    assert.deepEqual(await f.query('GetEpoch', '2'), result);
    assert.deepEqual(await f.query('ListEpochs'), [result]);
    assert.deepEqual(f.ledger.events.at(-1), { name: 'EpochRecorded', payload: { type: 'EpochRecorded', key: 'epoch/0000000002' } });
  });

  it('lists epochs in sequence order, also past 9 → 10', async () => {
    await record(epochJson(9));
    await record(epochJson(10));
    await record(epochJson(11));
    assert.deepEqual(
      ((await f.query('ListEpochs')) as { sequence: number }[]).map((e) => e.sequence),
      [9, 10, 11],
    );
  });

  it('refuses a client identity, even one whose issuer has OU=admin', async () => {
    await expectRejected(f, () => record(epochJson(2), CLIENT), 'ADMIN_REQUIRED');
    await expectRejected(f, () => record(epochJson(2), CLIENT_OF_ADMIN_ISSUER), 'ADMIN_REQUIRED');
  });

  it('requires the sequence to rise strictly over the last recorded epoch', async () => {
    await record(epochJson(3));
    await expectRejected(f, () => record(epochJson(3)), 'EPOCH_STALE');
    await expectRejected(f, () => record(epochJson(2)), 'EPOCH_STALE');
    await record(epochJson(4));
  });

  it('refuses records that are not internally consistent', async () => {
    await expectRejected(f, () => record('not json'), 'EPOCH_INVALID');
    await expectRejected(f, () => record(epochJson(2, { epoch: 3 })), 'EPOCH_INVALID');
    await expectRejected(f, () => record(epochJson(2, { sha: 'a'.repeat(64) })), 'EPOCH_INVALID');
    await expectRejected(f, () => record(epochJson(0)), 'EPOCH_INVALID');
    await expectRejected(f, () => record(JSON.stringify({ ...JSON.parse(epochJson(2)), extra: 1 })), 'EPOCH_INVALID');
    const badMsp = JSON.parse(epochJson(2)) as { compiled: { input: { stakes: Record<string, number> } } };
    badMsp.compiled.input.stakes = { Org_1: 1 };
    await expectRejected(f, () => record(JSON.stringify(badMsp)), 'EPOCH_INVALID');
  });

  /** The record with raw JSON text at one place: a member of the request, of compiled, input or output. */
  function withText(path: readonly string[], text: string): string {
    const HOLE = '\u0000hole\u0000';
    const request = JSON.parse(epochJson(2)) as Record<string, unknown>;
    let parent = request;
    for (const name of path.slice(0, -1)) {
      parent = parent[name] as Record<string, unknown>;
    }
    parent[path.at(-1) ?? ''] = HOLE;
    return JSON.stringify(request).replace(JSON.stringify(HOLE), text);
  }

  it('refuses numbers beyond a double and lone surrogates anywhere, even in members it keeps verbatim', async () => {
    for (const text of ['1e400', '-1e400', '"\\ud800"']) {
      for (const path of [
        ['compiled', 'note'],
        ['compiled', 'input', 'threshold'],
        ['compiled', 'output', 'weights'],
      ]) {
        await expectRejected(f, () => record(withText(path, text)), 'EPOCH_INVALID');
      }
    }
    await expectRejected(f, () => record(withText(['compiled', 'note'], `${'['.repeat(5000)}${']'.repeat(5000)}`)), 'EPOCH_INVALID');
  });

  it('refuses any JSON value at any place with a documented code, or records it (property)', async () => {
    const place = fc.oneof(
      fc.constantFrom(
        ['sequence'],
        ['block'],
        ['compiled'],
        ['compiled', 'schema'],
        ['compiled', 'epoch'],
        ['compiled', 'input'],
        ['compiled', 'input', 'stakes'],
      ),
      fc.constantFrom(['compiled', 'output', 'policy'], ['compiled', 'output', 'policySha256'], ['compiled', 'input', 'stakes', ORG1]),
      hostileMemberName.map((name) => ['compiled', 'output', name]),
      hostileMemberName.map((name) => ['compiled', name]),
      hostileMemberName.map((name) => [name]),
    );
    await fc.assert(
      fc.asyncProperty(place, hostileJsonText, async (path, text) => {
        f = new Fixture();
        const json = withText(path, text);
        try {
          await record(json);
        } catch (err) {
          assert.ok(
            err instanceof LedgerError && Object.hasOwn(ErrorCodes, err.code) && PROTOCOL.includes(`| \`${err.code}\` |`),
            `expected a coded refusal, got ${inspect(err)}`,
          );
          assert.deepEqual(f.ledger.snapshot(), new Map(), 'nothing written');
          return;
        }
        // Recorded: the value sat where the record keeps unknown members; it must read back canonically.
        assert.equal(((await f.query('GetEpoch', '2')) as { sequence: number }).sequence, 2);
      }),
      { numRuns: 300 },
    );
  });

  it('GetEpoch validates its argument and reports a missing epoch', async () => {
    await expectRejected(f, () => f.query('GetEpoch', '0'), 'ARGUMENT_INVALID');
    await expectRejected(f, () => f.query('GetEpoch', '7'), 'EPOCH_NOT_FOUND');
  });
});
