import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement } from '@isl/chaincode';
import { connectGateway, type GatewayConnection, organisationHome, organisationOf, waitFor } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { LedgerClient } from '../ledger/ledger-client';
import { OrthancClient } from '../pacs/orthanc-client';
import { writeSyntheticStudy } from '../pacs/synthetic-study';
import { Publisher } from '../publishing/publisher';
import { WalletConsentSigner } from '../publishing/wallet-consent';
import { runIsl } from '../testing/run-isl';
import { privateJwkOf, Wallet, WalletStore } from '../wallet';
import { startImageSourceServices, type ImageSourceServices } from './service';
import { readSourceKey } from './source-key';
import { StudyStore } from './study-store';

const ORG = 'Hospital1MSP';
const INSTANCES = 6;

interface DisclosureRow {
  readonly recipient: string;
  readonly size: number;
  readonly encrypted: boolean;
}

describe('encrypted end to end: isl retrieve --encrypted over WADO-RS, ITI-43 and XDS-I.b (real network, real Orthanc)', function () {
  this.timeout(300_000);
  let services: ImageSourceServices;
  let connection: GatewayConnection | undefined;
  let ledger: LedgerClient;
  let work: string;
  let patientWallet: Wallet | undefined;
  let study: string;
  let orthancHashes: string[];
  let studyBytes: number;
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const run = (args: string[], env: Record<string, string>, expectedCode = 0): Promise<unknown> =>
    runIsl(args, { profile: getTestConsortium().layout.connectionProfile, org: ORG, env, expectedCode });

  before(async () => {
    const consortium = getTestConsortium();
    const profile = consortium.connectionProfile();
    services = await startImageSourceServices({
      profile,
      org: ORG,
      runDir: organisationHome(consortium.layout.connectionProfile, organisationOf(profile, ORG)),
      supervisor: consortium.supervisor,
    });
    connection = connectGateway({ org: organisationOf(profile, ORG) });
    ledger = new LedgerClient(connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode));
    const orthanc = new OrthancClient(services.orthanc.baseUrl, services.orthanc.credentials);
    work = mkdtempSync(join(tmpdir(), 'isl-encrypted-retrieval-'));
    patientWallet = await Wallet.create(new WalletStore({ path: join(work, 'patient.json') }), 'patient passphrase', { scrypt: { N: 2 ** 15, r: 8, p: 1 } });
    const synthetic = writeSyntheticStudy(join(work, 'study'), { instances: INSTANCES });
    const audience = audienceFor(profile.channel, profile.chaincode);
    const publisher = new Publisher({
      orthanc,
      studies: new StudyStore(services.paths.studies),
      ledger,
      key: await readSourceKey(services.paths.sourceKey),
      audience,
    });
    const published = await publisher.publish(join(work, 'study'), new WalletConsentSigner(patientWallet));
    study = published.reference;
    const patientKey = await patientWallet.keyById(published.patientKeyId);
    const orthancStudy = await orthanc.lookup(synthetic.studyInstanceUid, 'Study');
    assert.ok(orthancStudy);
    orthancHashes = [];
    studyBytes = 0;
    for (const i of await orthanc.studyInstances(orthancStudy)) {
      const file = await orthanc.instanceFile(i.id);
      orthancHashes.push(sha(file));
      studyBytes += file.length;
    }
    orthancHashes.sort();
    assert.equal(orthancHashes.length, INSTANCES);
    grant = async (recipient: string): Promise<void> => {
      const until = Math.floor(Date.now() / 1000) + 3600;
      await ledger.submit('AllowAccess', [
        await createStatement('AllowAccess', { source: services.sourceId, study, recipient, until, purpose: 'TREAT' }, privateJwkOf(patientKey), { audience }),
      ]);
    };
  });
  let grant: (recipient: string) => Promise<void>;

  after(() => {
    connection?.close();
    patientWallet?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const alg of ['ES256', 'EdDSA'] as const) {
    describe(`an ${alg} recipient`, () => {
      const doctor = (): Record<string, string> => ({ ISL_WALLET: join(work, `doctor-${alg}.json`), ISL_WALLET_PASSPHRASE: `doctor ${alg} passphrase` });
      let keyId: string;
      before(async () => {
        await run(['wallet', 'create'], doctor());
        keyId = ((await run(['recipient-key', '--alg', alg], doctor())) as { keyId: string }).keyId;
        await grant(keyId);
      });

      for (const protocol of ['wado-rs', 'iti43', 'xds-i'] as const) {
        it(`isl retrieve --encrypted over ${protocol}: decrypted and verified, byte-identical to Orthanc's instances`, async () => {
          const out = join(work, `out-${alg}-${protocol}`);
          const got = (await run(
            ['retrieve', '--encrypted', '--source', services.sourceId, '--study', study, '--protocol', protocol, '--key', keyId, '--out', out],
            doctor(),
          )) as { files: number; encrypted: boolean };
          assert.equal(got.files, INSTANCES);
          assert.equal(got.encrypted, true);
          const files = readdirSync(out);
          assert.ok(
            files.every((f) => f.endsWith('.dcm')),
            `only whole files: ${files.join(', ')}`,
          );
          assert.deepEqual(files.map((f) => sha(readFileSync(join(out, f)))).sort(), orthancHashes);
        });
      }

      it('the ledger records the encrypted releases as encrypted, and the plaintext one and the XDS-I.b manifest as not', async () => {
        await run(['retrieve', '--source', services.sourceId, '--study', study, '--key', keyId, '--out', join(work, `plain-${alg}`)], doctor());
        // WADO-RS, ITI-43 and the RAD-69 answers of XDS-I.b encrypted; the plaintext WADO-RS and the manifest not.
        const encryptedBytes = (rows: readonly DisclosureRow[]): number => rows.filter((r) => r.encrypted).reduce((n, r) => n + r.size, 0);
        const mine = await waitFor(
          `the disclosures of every release to the ${alg} recipient on the ledger`,
          async () => {
            const list = await ledger.evaluate<DisclosureRow[]>('ListDisclosures', [services.sourceId, study]);
            const rows = list.filter((r) => r.recipient === keyId);
            return rows.filter((r) => !r.encrypted).length >= 2 && encryptedBytes(rows) >= 3 * studyBytes ? rows : false;
          },
          { timeoutMs: 60_000 },
        );
        // The plaintext (DICOM) bytes are accounted for, however they travelled.
        assert.equal(encryptedBytes(mine), 3 * studyBytes);
        const plain = mine.filter((r) => !r.encrypted).map((r) => r.size);
        assert.equal(plain.length, 2);
        assert.ok(plain.includes(studyBytes), 'the plaintext WADO-RS release');
        assert.ok(
          plain.some((n) => n !== studyBytes && n > 0),
          'the manifest',
        );
      });
    });
  }
});
