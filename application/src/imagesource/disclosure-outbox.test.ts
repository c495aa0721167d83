import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStatementKey, thumbprint } from '@isl/chaincode';
import { LedgerRejection, LedgerUnavailable } from '../ledger/errors';
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

  it('sets aside a release the ledger rejects, for an operator', async () => {
    const ledger = new FakeLedger();
    ledger.failures = [new LedgerRejection('STUDY_NOT_FOUND', 'STUDY_NOT_FOUND: gone')];
    const box = await outbox(ledger);
    box.add(release);
    assert.equal(await box.flush(), 0);
    assert.deepEqual(readdirSync(join(dir, 'rejected')), [`${release.requestId}.json`]);
  });
});
