import * as assert from 'node:assert/strict';
import { expectRejected } from '../testing/assertions';
import { Fixture, ORG1, ORG2, newParty, type Party } from '../testing/fixture';
import type { StakeActivity } from './activity';

describe('GetStakeActivity', () => {
  let f: Fixture;
  let h1: Party;
  let h2: Party;

  beforeEach(async () => {
    f = new Fixture();
    [h1, h2] = await Promise.all([newParty(), newParty()]);
    await f.defineSource(h1, ORG1);
    await f.defineSource(h2, ORG2);
  });

  const activity = async (since: string) => (await f.query('GetStakeActivity', since)) as StakeActivity[];

  it('counts per organisation the studies defined since a time and those granted or released', async () => {
    const patient = await newParty();
    const old = await f.defineStudy(h1, patient);
    await f.allow(patient, h1, old, await newParty());
    f.advance(60);
    const since = new Date(f.ledger.clockMs).toISOString();
    const fresh = [];
    for (let i = 0; i < 4; i += 1) {
      fresh.push(await f.defineStudy(h1, patient));
    }
    const padding = await f.defineStudy(h2, await newParty(), { mspId: ORG2 });
    const [granted, revoked, released] = fresh;
    const doctor = await newParty();
    await f.allow(patient, h1, granted ?? '', doctor);
    await f.allow(patient, h1, revoked ?? '', doctor);
    await f.submit('RevokeAccess', await f.statement('RevokeAccess', { source: h1.id, study: revoked ?? '', recipient: doctor.id }, patient));
    await f.submit(
      'RecordDisclosure',
      await f.statement(
        'RecordDisclosure',
        { study: released ?? '', recipient: doctor.id, disclosedAt: f.nowSeconds, size: 10, requestId: 'release-000000000001' },
        h1,
      ),
    );
    // A request alone is not use: anyone can send one.
    await f.submit('RequestAccess', await f.statement('RequestAccess', { source: h2.id, study: padding, purpose: 'TREAT' }, doctor));

    assert.deepEqual(await activity(since), [
      { org: ORG1, studies: 5, studiesSince: 4, usedSince: 3 },
      { org: ORG2, studies: 1, studiesSince: 1, usedSince: 0 },
    ]);
    assert.deepEqual(await activity(''), [
      { org: ORG1, studies: 5, studiesSince: 5, usedSince: 4 },
      { org: ORG2, studies: 1, studiesSince: 1, usedSince: 0 },
    ]);
    assert.deepEqual(await activity(new Date(f.ledger.clockMs + 1000).toISOString()), [
      { org: ORG1, studies: 5, studiesSince: 0, usedSince: 0 },
      { org: ORG2, studies: 1, studiesSince: 0, usedSince: 0 },
    ]);
  });

  it('refuses a since that is not a record time, with ARGUMENT_INVALID', async () => {
    for (const since of ['yesterday', '2025-02-31T00:00:00.000Z', '2025-01-15T12:00:00Z', '2025-01-15T12:00:00.000Z\ud800', '1e400']) {
      await expectRejected(f, () => f.query('GetStakeActivity', since), 'ARGUMENT_INVALID');
    }
  });
});
