import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStatementKey, thumbprint } from '@isl/chaincode';
import { LedgerRejection, LedgerUnavailable, OutcomeUnknown } from '../ledger/errors';
import type { LedgerClient } from '../ledger/ledger-client';
import { DisclosureOutbox } from './disclosure-outbox';

/** A ledger double: scripted answers for submit, and the disclosures it "holds". */
class FakeLedger {
  readonly submitted: string[] = [];
  readonly recorded: { requestId: string }[] = [];
  failures: Error[] = [];
  commitButLoseAnswer = false;

  submit(transaction: string, args: readonly string[]): Promise<unknown> {
    this.submitted.push(transaction);
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    const claims = JSON.parse(Buffer.from((args[0] ?? '').split('.')[1] ?? '', 'base64url').toString()) as { requestId: string };
    this.recorded.push({ requestId: claims.requestId });
    if (this.commitButLoseAnswer) {
      this.commitButLoseAnswer = false;
      return Promise.reject(new LedgerUnavailable('answer lost'));
    }
    return Promise.resolve({ result: {} });
  }

  evaluate(): Promise<unknown> {
    return Promise.resolve(this.recorded);
  }
}

describe('DisclosureOutbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-outbox-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const outbox = async (ledger: FakeLedger): Promise<DisclosureOutbox> => {
    const { privateJwk } = await generateStatementKey('ES256');
    return new DisclosureOutbox({
      dir,
      ledger: ledger as unknown as LedgerClient,
      key: { privateJwk, keyId: await thumbprint(privateJwk) },
      audience: 'isl:imaging/isl',
    });
  };
  const release = { study: 'S'.repeat(43), recipient: 'R'.repeat(43), disclosedAt: 1_750_000_000, size: 1234, requestId: 'req-0000000000000001' };

  it('names the break-glass lease a release was made under in its RecordDisclosure, and nothing for a release under a grant', async () => {
    const ledger = new FakeLedger();
    const statements: string[] = [];
    const submit = ledger.submit.bind(ledger);
    ledger.submit = (transaction, args) => {
      statements.push(args[0] ?? '');
      return submit(transaction, args);
    };
    const box = await outbox(ledger);
    const lease = 'ab'.repeat(32);
    box.add({ ...release, breakGlass: lease });
    box.add({ ...release, requestId: 'req-0000000000000002' });
    assert.equal(await box.flush(), 0);
    const claims = statements.map((s) => JSON.parse(Buffer.from(s.split('.')[1] ?? '', 'base64url').toString()) as { requestId: string; breakGlass?: string });
    assert.deepEqual(claims.map((c) => [c.requestId, c.breakGlass]).sort(), [
      ['req-0000000000000001', lease],
      ['req-0000000000000002', undefined],
    ]);
  });

  it('keeps a release on disk until the ledger takes it, then removes it', async () => {
    const ledger = new FakeLedger();
    ledger.failures = [new LedgerUnavailable('down')];
    const box = await outbox(ledger);
    box.add(release);
    assert.equal(await box.flush(), 1, 'still pending after a failed attempt');
    // A new process (restart) finds it on disk.
    const again = await outbox(ledger);
    assert.deepEqual(again.pending(), [release.requestId]);
    assert.equal(await again.flush(), 0);
    assert.deepEqual(
      ledger.recorded.map((r) => r.requestId),
      [release.requestId],
    );
  });

  it('does not record twice when an attempt committed but its answer was lost', async () => {
    const ledger = new FakeLedger();
    ledger.commitButLoseAnswer = true;
    const box = await outbox(ledger);
    box.add(release);
    assert.equal(await box.flush(), 1);
    assert.equal(await box.flush(), 0);
    assert.equal(ledger.recorded.length, 1);
    assert.equal(ledger.submitted.length, 1, 'the retry found the request id on the ledger and did not submit again');
  });

  it('sends the same statement again after an unknown outcome, so a late commit of the first is not doubled', async () => {
    // The first attempt reaches ordering, its outcome is unknown, and it commits only after the retry's lookup.
    const statements: string[] = [];
    const committed = new Set<string>();
    let lateCommit: string | undefined;
    const ledger = {
      submit: (_transaction: string, args: readonly string[]): Promise<unknown> => {
        const statement = args[0] ?? '';
        statements.push(statement);
        if (lateCommit !== undefined) committed.add(lateCommit);
        if (committed.has(statement)) return Promise.reject(new LedgerRejection('STATEMENT_REPLAYED', 'STATEMENT_REPLAYED: already applied'));
        if (statements.length === 1) {
          lateCommit = statement;
          return Promise.reject(new OutcomeUnknown('a'.repeat(64), 'sent to ordering; outcome unknown'));
        }
        committed.add(statement);
        return Promise.resolve({ result: {} });
      },
      evaluate: (): Promise<unknown> => Promise.resolve([]),
    };
    const box = await outbox(ledger as unknown as FakeLedger);
    box.add(release);
    assert.equal(await box.flush(), 1, 'kept while its outcome is unknown');
    assert.equal(await box.flush(), 0, 'done: the replay answer says the first attempt took effect');
    assert.equal(statements.length, 2);
    assert.equal(statements[1], statements[0], 'the very same statement, not a second one with a new digest');
    assert.equal(committed.size, 1, 'one disclosure on the ledger');
    assert.deepEqual(readdirSync(join(dir, 'rejected')), [], 'a replay is not a rejection');
  });

  it('sets aside a release the ledger rejects, for an operator', async () => {
    const ledger = new FakeLedger();
    ledger.failures = [new LedgerRejection('STUDY_NOT_FOUND', 'STUDY_NOT_FOUND: gone')];
    const box = await outbox(ledger);
    box.add(release);
    assert.equal(await box.flush(), 0);
    assert.deepEqual(readdirSync(join(dir, 'rejected')), [`${release.requestId}.json`]);
  });
});
