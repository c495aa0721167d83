import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { expectRejected } from '../testing/assertions';
import { Fixture, ORG1, ORG2 } from '../testing/fixture';

const ADMIN = 'x509::/OU=admin/CN=admin::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca';
const CLIENT = 'x509::/OU=client/CN=client::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca';
// An issuer OU of "admin" must not make a client an admin: only the subject counts.
const CLIENT_OF_ADMIN_ISSUER = 'x509::/OU=client/CN=client::/OU=admin/CN=ca';

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
        assert.deepEqual(((await f.query('ListEpochs')) as { sequence: number }[]).map((e) => e.sequence), [9, 10, 11]);
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
        badMsp.compiled.input.stakes = { 'Org_1': 1 };
        await expectRejected(f, () => record(JSON.stringify(badMsp)), 'EPOCH_INVALID');
    });

    it('GetEpoch validates its argument and reports a missing epoch', async () => {
        await expectRejected(f, () => f.query('GetEpoch', '0'), 'ARGUMENT_INVALID');
        await expectRejected(f, () => f.query('GetEpoch', '7'), 'EPOCH_NOT_FOUND');
    });
});
