import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement } from '@isl/chaincode';
import { newParty } from '@isl/chaincode/testing';
import { type Organisation, waitFor } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { GatewayClient, GatewayHttpError } from '../client/gateway-client';
import { openEvents } from '../testing/event-reader';
import { getTestServices } from '../testing/root-hooks';
import { runIsl } from '../testing/run-isl';

const SOURCE_ORG = 'Hospital1MSP';
const CLINICIAN_ORG = 'Hospital2MSP';
const FOREIGN_ORG = 'Hospital3MSP';

/**
 * Issue 17, break-glass end to end on the real network: a clinician of Hospital2 opens an emergency
 * lease of a study published at Hospital1's image source through Hospital2's gateway, retrieves it,
 * the patient sees it first (event stream and isl disclosures), and auditors review it.
 */
describe('break-glass: emergency access vouched for by the clinician hospital, seen by the patient, reviewed by auditors (real network)', function () {
  // Many isl runs, each opening a wallet (scrypt): slow on a loaded machine, bounded all the same.
  this.timeout(900_000);
  let work: string;
  let org: (mspId: string) => Organisation;
  const services = () => getTestServices();

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'isl-break-glass-'));
    org = (mspId) => {
      const found = getTestConsortium().topology.organisations.find((o) => o.mspId === mspId);
      assert.ok(found, mspId);
      return found;
    };
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** isl as a user of the organisation's gateway, with its member token where the user is its own system (a clinician's workstation). */
  const run = (mspId: string, args: string[], env: Record<string, string>, expectedCode = 0): Promise<unknown> =>
    runIsl(args, {
      profile: getTestConsortium().layout.connectionProfile,
      org: mspId,
      env: { ISL_GATEWAY_URL: services().gatewayUrl(org(mspId)), ISL_GATEWAY_TOKEN: services().memberToken(org(mspId)), ...env },
      expectedCode,
    });
  const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
  const hashesIn = (dir: string): string[] =>
    readdirSync(dir)
      .map((f) => sha(join(dir, f)))
      .sort();

  it('releases the study to the clinician like a grant, records the release as break-glass, shows it to the patient first and lists it for auditors', async () => {
    const patient = { ISL_WALLET: join(work, 'patient.json'), ISL_WALLET_PASSPHRASE: 'patient passphrase' };
    const clinician = { ISL_WALLET: join(work, 'clinician.json'), ISL_WALLET_PASSPHRASE: 'clinician passphrase' };
    await run(SOURCE_ORG, ['wallet', 'create'], patient);
    await run(CLINICIAN_ORG, ['wallet', 'create'], clinician);
    const seeded = (await run(SOURCE_ORG, ['pacs', 'seed', '--instances', '3', '--out', join(work, 'study')], patient)) as { folder: string };
    const published = (await run(SOURCE_ORG, ['publish', seeded.folder], patient)) as { reference: string; source: string };
    const target = ['--source', published.source, '--study', published.reference];

    // The patient's view: the study's events at the patient's (the source's) gateway.
    const stream = openEvents(`${services().gatewayUrl(org(SOURCE_ORG))}/api/v1/events?study=${published.reference}`, services().memberToken(org(SOURCE_ORG)));
    try {
      // Signed first, so that the same key is seen refused before the lease and served after it.
      const signed = (await run(CLINICIAN_ORG, ['break-glass', ...target, '--until', '2h', '--sign-only'], clinician)) as {
        statement: string;
        recipient: string;
        hospital: string;
      };
      const opened = { recipient: signed.recipient, hospital: signed.hospital };
      assert.equal(opened.hospital, CLINICIAN_ORG);
      const before = (await run(CLINICIAN_ORG, ['retrieve', ...target, '--key', opened.recipient, '--out', join(work, 'refused')], clinician, 1)) as {
        error: { code?: string };
      };
      assert.ok(before.error.code !== undefined, 'refused without a grant or a break-glass lease');
      await run(CLINICIAN_ORG, ['submit', signed.statement], clinician);

      const out = join(work, 'retrieved');
      const got = (await run(CLINICIAN_ORG, ['retrieve', ...target, '--key', opened.recipient, '--protocol', 'wado-rs', '--out', out], clinician)) as {
        files: number;
      };
      assert.equal(got.files, 3);
      assert.deepEqual(hashesIn(out), hashesIn(seeded.folder), 'the bytes released equal the published instances');

      const event: Record<string, unknown> = await waitFor(
        'the BreakGlass event on the patient event stream',
        () => (stream.events.find((e) => e.name === 'BreakGlass')?.data.payload as Record<string, unknown> | undefined) ?? false,
        {
          timeoutMs: 30_000,
        },
      );
      assert.deepEqual(
        [event.study, event.recipient, event.hospital],
        [published.reference, opened.recipient, CLINICIAN_ORG],
        'the event names the study, the clinician and the hospital',
      );

      // The patient's accounting: the break-glass first, then the release made under it (polled over REST, then isl once: each isl run opens the wallet).
      const reader = new GatewayClient({ baseUrl: services().gatewayUrl(org(SOURCE_ORG)), token: services().memberToken(org(SOURCE_ORG)) });
      await waitFor(
        'the release under break-glass on the ledger',
        async () => (await reader.get<unknown[]>(`/sources/${published.source}/studies/${published.reference}/disclosures`)).length > 0,
        { timeoutMs: 60_000 },
      );
      const listed = (await run(SOURCE_ORG, ['disclosures'], patient)) as { kind: string; recipient: string; hospital?: string; breakGlass?: string }[];
      assert.deepEqual(
        listed.map((d) => [d.kind, d.recipient]),
        [
          ['breakglass', opened.recipient],
          ['disclosure', opened.recipient],
        ],
      );
      const [lease, release] = listed;
      assert.equal(lease?.hospital, CLINICIAN_ORG);
      assert.match(release?.breakGlass ?? '', /^breakglass\//, 'the disclosure record says it was released under break-glass');

      // Auditors: over REST (auditor token, another organisation's gateway) and with isl audit break-glass.
      const auditor = new GatewayClient({ baseUrl: services().gatewayUrl(org(FOREIGN_ORG)), token: services().auditorToken(org(FOREIGN_ORG)) });
      type Review = { id: string; recipient: string; hospital: string; grantedAt: string; releases: { size: number }[] }[];
      const reviewed = await waitFor('the lease in the audit listing', async () => {
        const all = await auditor.get<Review>('/audit/break-glass');
        return all.find((l) => l.id === release?.breakGlass) ?? false;
      });
      assert.equal(reviewed.recipient, opened.recipient);
      assert.equal(reviewed.hospital, CLINICIAN_ORG);
      assert.equal(reviewed.releases.length, 1);
      assert.ok((reviewed.releases[0]?.size ?? 0) > 0);
      const cli = (await run(FOREIGN_ORG, ['audit', 'break-glass', '--since', reviewed.grantedAt], {})) as Review;
      assert.deepEqual(
        cli.map((l) => [l.id, l.hospital, l.recipient, l.releases.length]),
        [[reviewed.id, CLINICIAN_ORG, opened.recipient, 1]],
      );
    } finally {
      stream.close();
    }
  });

  it("refuses a hospital vouching for another hospital's clinician with BREAK_GLASS_FOREIGN_HOSPITAL, and a relay without the member token", async () => {
    const patient = { ISL_WALLET: join(work, 'patient2.json'), ISL_WALLET_PASSPHRASE: 'patient passphrase' };
    await run(SOURCE_ORG, ['wallet', 'create'], patient);
    const seeded = (await run(SOURCE_ORG, ['pacs', 'seed', '--instances', '1', '--out', join(work, 'study2')], patient)) as { folder: string };
    const published = (await run(SOURCE_ORG, ['publish', seeded.folder], patient)) as { reference: string; source: string };
    const clinician = await newParty('ES256');
    const profile = getTestConsortium().connectionProfile();
    const statement = await createStatement(
      'BreakGlass',
      { source: published.source, study: published.reference, hospital: CLINICIAN_ORG, purpose: 'ETREAT', until: Math.floor(Date.now() / 1000) + 3600 },
      clinician.privateJwk,
      { audience: audienceFor(profile.channel, profile.chaincode) },
    );
    const refusedWith = async (client: GatewayClient): Promise<[number, string]> => {
      try {
        await client.relay(statement);
      } catch (err) {
        if (err instanceof GatewayHttpError) return [err.status, err.code];
        throw err;
      }
      return assert.fail('the break-glass was relayed');
    };
    const foreign = new GatewayClient({ baseUrl: services().gatewayUrl(org(FOREIGN_ORG)), token: services().memberToken(org(FOREIGN_ORG)) });
    assert.deepEqual(await refusedWith(foreign), [400, 'BREAK_GLASS_FOREIGN_HOSPITAL']);
    assert.deepEqual(await refusedWith(new GatewayClient({ baseUrl: services().gatewayUrl(org(CLINICIAN_ORG)) })), [401, 'UNAUTHENTICATED']);
    const leases = await foreign.get<unknown[]>(`/sources/${published.source}/studies/${published.reference}/break-glass`);
    assert.deepEqual(leases, [], 'nothing was recorded');
  });
});
