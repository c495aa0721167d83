import { strict as assert } from 'node:assert';
import { createHash, randomUUID, sign as cryptoSign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement, newNonce, newStudyReference } from '@isl/chaincode';
import { connectGateway, type ConnectionProfile, type GatewayConnection, organisationHome, organisationOf, waitFor } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { fetchAnswer } from '@isl/platform';
import { runIsl } from '../testing/run-isl';
import { LedgerClient } from '../ledger/ledger-client';
import { OrthancClient } from '../pacs/orthanc-client';
import { writeSyntheticStudy } from '../pacs/synthetic-study';
import { privateJwkOf, Wallet, WalletStore, type SigningKey } from '../wallet';
import { contentDigest, GET_COMPONENTS, POST_COMPONENTS, signRequest } from '../wire/http-signature';
import { Publisher } from '../publishing/publisher';
import { readSourceKey } from './source-key';
import { retrieveStudy, RetrievalRefused, type RetrievalProtocol } from '../retrieval/retrieve-client';
import { retrieveRequestEnvelope } from '../wire/iti43';
import { retrieveLocationUid } from '../wire/rad69';
import { data } from 'dcmjs';
import type { ManifestStudy } from '../pacs/kos-manifest';
import { startImageSourceServices, type ImageSourceServices } from './service';
import { StudyStore } from './study-store';
import { WalletConsentSigner } from '../publishing/wallet-consent';

const ORG = 'Hospital1MSP';

/** The part of a KOS manifest, as dcmjs names it, that an XDS-I.b consumer reads. */
interface Naturalized {
  readonly SOPClassUID?: string;
  readonly ConceptNameCodeSequence?: readonly Record<string, string>[];
  readonly CurrentRequestedProcedureEvidenceSequence?: readonly {
    readonly StudyInstanceUID?: string;
    readonly ReferencedSeriesSequence?: readonly {
      readonly SeriesInstanceUID?: string;
      readonly RetrieveLocationUID?: string;
      readonly ReferencedSOPSequence?: readonly { readonly ReferencedSOPInstanceUID?: string }[];
    }[];
  }[];
}
const INSTANCES = 50;
const FAST = { scrypt: { N: 2 ** 15, r: 8, p: 1 } };

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

describe('image source: publish, grant and retrieve over ITI-43 and WADO-RS (real network, real Orthanc)', function () {
  this.timeout(300_000);
  let profile: ConnectionProfile;
  let services: ImageSourceServices;
  // Undefined in after() if before() failed early.
  let connection: GatewayConnection | undefined;
  let ledger: LedgerClient;
  let orthanc: OrthancClient;
  let publisher: Publisher;
  let audience: string;
  let ca: Buffer[];
  let work: string;
  let patientWallet: Wallet | undefined;
  let recipientWallet: Wallet | undefined;
  let study: string;
  let patientKey: SigningKey;
  let orthancFiles: Map<string, string>;

  const recipientKey = async (): Promise<SigningKey> => recipientWallet!.deriveKey('recipient', await recipientWallet!.newStudyContext('recipient'));

  const allow = async (recipient: string, until: number): Promise<void> => {
    const statement = await createStatement('AllowAccess', { source: services.sourceId, study, recipient, until, purpose: 'TREAT' }, privateJwkOf(patientKey), {
      audience,
    });
    await ledger.submit('AllowAccess', [statement]);
  };

  const retrieve = (key: SigningKey, protocol: RetrievalProtocol, ref = study): Promise<{ files: readonly string[]; bytes: number }> =>
    retrieveStudy({ url: services.url, sourceId: services.sourceId, study: ref, key, protocol, ca, outDir: mkdtempSync(join(work, `${protocol}-`)) });

  const refusal = async (promise: Promise<unknown>): Promise<RetrievalRefused> => {
    try {
      await promise;
    } catch (err) {
      if (err instanceof RetrievalRefused) return err;
      throw err;
    }
    assert.fail('the retrieval was not refused');
  };

  const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> =>
    fetchAnswer(new URL(path, services.url), { method, headers, ca, timeoutMs: 60_000, maxBytes: 1024 * 1024 * 1024, ...(body ? { body } : {}) });

  const signedGet = (key: SigningKey, ref: string): Record<string, string> => {
    const target = new URL(`/studies/${ref}`, services.url).href;
    const headers = { accept: 'multipart/related; type="application/dicom"' };
    return { ...headers, ...signRequest(key, { method: 'GET', targetUri: target, headers }, { nonce: newNonce(), components: GET_COMPONENTS }) };
  };

  const iti43 = async (key: SigningKey, documents: { repositoryUniqueId: string; documentUniqueId: string }[]): Promise<Answer> => {
    const envelope = retrieveRequestEnvelope(new URL(services.url).href, `urn:uuid:${randomUUID()}`, documents);
    const body = Buffer.from(
      `--b1\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@test>\r\n\r\n${envelope}\r\n--b1--\r\n`,
    );
    const headers = {
      'content-type': 'multipart/related; type="application/xop+xml"; boundary=b1; start="<root@test>"; start-info="application/soap+xml"',
      'content-digest': contentDigest(body),
    };
    const signed = signRequest(key, { method: 'POST', targetUri: new URL(services.url).href, headers }, { nonce: newNonce(), components: POST_COMPONENTS });
    return send('POST', '/', { ...headers, ...signed }, body);
  };

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const hashesOf = (files: readonly string[]): string[] => files.map((f) => sha(readFileSync(f))).sort();

  /** Nothing was released to this recipient: no disclosure pending, none on the ledger. */
  const assertNothingReleasedTo = async (recipient: string): Promise<void> => {
    const pending = readdirSync(services.paths.outbox).filter((f) => f.endsWith('.json'));
    for (const f of pending) assert.notEqual((JSON.parse(readFileSync(join(services.paths.outbox, f), 'utf8')) as { recipient: string }).recipient, recipient);
    const records = await ledger.evaluate<{ recipient: string }[]>('ListDisclosures', [services.sourceId, study]);
    assert.equal(records.filter((r) => r.recipient === recipient).length, 0);
  };

  before(async function () {
    const consortium = getTestConsortium();
    profile = consortium.connectionProfile();
    audience = audienceFor(profile.channel, profile.chaincode);
    ca = profile.organisations.map((o) => readFileSync(o.peers[0]?.tlsCaCert ?? ''));
    services = await startImageSourceServices({
      profile,
      org: ORG,
      runDir: organisationHome(consortium.layout.connectionProfile, organisationOf(profile, ORG)),
      supervisor: consortium.supervisor,
    });
    // The root hooks (like npm start) already started it and defined the source; this start must not again.
    assert.equal(services.defined, false, 'a second start does not define the source again');
    connection = connectGateway({ org: organisationOf(profile, ORG) });
    ledger = new LedgerClient(connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode));
    orthanc = new OrthancClient(services.orthanc.baseUrl, services.orthanc.credentials);
    work = mkdtempSync(join(tmpdir(), 'isl-image-source-'));
    patientWallet = await Wallet.create(new WalletStore({ path: join(work, 'patient.json') }), 'patient passphrase', FAST);
    recipientWallet = await Wallet.create(new WalletStore({ path: join(work, 'recipient.json') }), 'recipient passphrase', FAST);

    // Publish a synthetic CT study of 50 instances.
    const synthetic = writeSyntheticStudy(join(work, 'study'), { instances: INSTANCES });
    publisher = new Publisher({
      orthanc,
      studies: new StudyStore(services.paths.studies),
      ledger,
      key: await readSourceKey(services.paths.sourceKey),
      audience,
    });
    const published = await publisher.publish(join(work, 'study'), new WalletConsentSigner(patientWallet));
    assert.equal(published.instances, INSTANCES);
    assert.equal(published.stored, INSTANCES);
    study = published.reference;
    patientKey = await patientWallet.keyById(published.patientKeyId);
    const orthancStudy = await orthanc.lookup(synthetic.studyInstanceUid, 'Study');
    assert.ok(orthancStudy, 'Orthanc holds the published study');
    const instances = await orthanc.studyInstances(orthancStudy);
    assert.equal(instances.length, INSTANCES);
    orthancFiles = new Map();
    for (const i of instances) orthancFiles.set(i.sopInstanceUid, sha(await orthanc.instanceFile(i.id)));
  });

  after(() => {
    connection?.close();
    patientWallet?.close();
    recipientWallet?.close();
    // The image source stays up: the root hooks started it, and they stop it (other test files use it).
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('keeps the study reference → UID mapping off the ledger and refuses to publish the same study twice', async () => {
    const record = await ledger.evaluate<Record<string, unknown>>('GetStudy', [services.sourceId, study]);
    assert.ok(!JSON.stringify(record).includes('2.25.'), 'no DICOM UID on the ledger');
    assert.equal(new StudyStore(services.paths.studies).byReference(study)?.state, 'defined');
    await assert.rejects(publisher.publish(join(work, 'study'), new WalletConsentSigner(patientWallet!)), /already published/);
  });

  it('registers the source with its HTTPS URL, and a second start does not define it again', async () => {
    const source = await ledger.evaluate<{ url: string; org: string }>('GetSource', [services.sourceId]);
    assert.equal(source.url, services.url);
    assert.equal(source.org, ORG);
    const consortium = getTestConsortium();
    const again = await startImageSourceServices({
      profile,
      org: ORG,
      runDir: organisationHome(consortium.layout.connectionProfile, organisationOf(profile, ORG)),
      supervisor: consortium.supervisor,
    });
    assert.equal(again.sourceId, services.sourceId);
    assert.equal(again.defined, false);
    const history = await ledger.evaluate<{ history: unknown[] }>('GetHistory', [`source/${services.sourceId}`]);
    assert.equal(history.history.length, 1, 'the source was defined exactly once, however often its service started');
  });

  describe('a granted recipient', () => {
    let recipient: SigningKey;
    before(async () => {
      recipient = await recipientKey();
      await allow(recipient.keyId, Math.floor(Date.now() / 1000) + 3600);
    });

    for (const protocol of ['wado-rs', 'iti43'] as const) {
      it(`retrieves the study over ${protocol}, byte-identical to the instances Orthanc holds`, async () => {
        const got = await retrieve(recipient, protocol);
        assert.equal(got.files.length, INSTANCES);
        assert.deepEqual(hashesOf(got.files), [...orthancFiles.values()].sort());
      });
    }

    it('every release is recorded on the ledger as a disclosure (accounting of disclosures)', async () => {
      const records = await waitFor(
        'two disclosures to the granted recipient on the ledger',
        async () => {
          const list = await ledger.evaluate<{ recipient: string; size: number; requestId: string }[]>('ListDisclosures', [services.sourceId, study]);
          const mine = list.filter((r) => r.recipient === recipient.keyId);
          return mine.length >= 2 ? mine : false;
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(records.length, 2);
      const total = [...orthancFiles.keys()].length;
      assert.ok(total > 0);
      for (const r of records) assert.ok(r.size > 0);
      assert.equal(records[0]?.size, records[1]?.size, 'both protocols released the same bytes');
      assert.notEqual(records[0]?.requestId, records[1]?.requestId);
      await waitFor('the outbox to empty', () => readdirSync(services.paths.outbox).filter((f) => f.endsWith('.json')).length === 0, { timeoutMs: 30_000 });
    });

    it('refuses a replayed request (same signature and nonce) and releases nothing the second time', async () => {
      const headers = signedGet(recipient, study);
      const first = await send('GET', `/studies/${study}`, headers);
      assert.equal(first.status, 200);
      const second = await send('GET', `/studies/${study}`, headers);
      assert.equal(second.status, 401);
      assert.equal((JSON.parse(second.body.toString()) as { error: string }).error, 'replayed');
      assert.ok(!second.body.includes('DICM'));
    });

    it('refuses a bad signature on both protocols', async () => {
      const headers = signedGet(recipient, study);
      const sig = headers.signature ?? '';
      const tampered = { ...headers, signature: sig.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`) };
      const wado = await send('GET', `/studies/${study}`, tampered);
      assert.equal(wado.status, 401);
      assert.equal((JSON.parse(wado.body.toString()) as { error: string }).error, 'invalid');
      // Signed for another study, sent for this one.
      const other = signedGet(recipient, newStudyReference());
      assert.equal((await send('GET', `/studies/${study}`, other)).status, 401);
      // ITI-43 whose body changed after signing: a SOAP Sender fault wsse:FailedCheck.
      const envelope = retrieveRequestEnvelope(new URL(services.url).href, `urn:uuid:${randomUUID()}`, [
        { repositoryUniqueId: services.sourceId, documentUniqueId: study },
      ]);
      const body = Buffer.from(`--b1\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n\r\n${envelope}\r\n--b1--\r\n`);
      const h = { 'content-type': 'multipart/related; type="application/xop+xml"; boundary=b1', 'content-digest': contentDigest(body) };
      const signed = signRequest(
        recipient,
        { method: 'POST', targetUri: new URL(services.url).href, headers: h },
        { nonce: newNonce(), components: POST_COMPONENTS },
      );
      const answer = await send('POST', '/', { ...h, ...signed }, Buffer.concat([body, Buffer.from(' ')]));
      assert.equal(answer.status, 401);
      assert.match(answer.body.toString(), /<env:Value>env:Sender<\/env:Value><env:Subcode><env:Value>wsse:FailedCheck<\/env:Value>/);
      assert.ok(!answer.body.includes('DICM'));
    });

    it('answers XDSUnknownRepositoryId for another repository', async () => {
      const answer = await iti43(recipient, [{ repositoryUniqueId: newStudyReference(), documentUniqueId: study }]);
      const text = answer.body.toString();
      assert.equal(answer.status, 200);
      assert.match(text, /status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"/);
      assert.match(text, /errorCode="XDSUnknownRepositoryId"/);
      assert.match(text, /severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/);
      assert.ok(!text.includes('DocumentResponse'));
    });

    it('answers PartialSuccess when one of two documents is unknown (the known one: its manifest)', async () => {
      const answer = await iti43(recipient, [
        { repositoryUniqueId: services.sourceId, documentUniqueId: study },
        { repositoryUniqueId: services.sourceId, documentUniqueId: newStudyReference() },
      ]);
      const text = answer.body.toString('latin1');
      assert.match(text, /status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"/);
      assert.match(text, /errorCode="XDSDocumentUniqueIdError"/);
      assert.equal(text.match(/<xdsb:DocumentResponse>/g)?.length, 1, 'one document: the study’s KOS manifest');
    });
  });

  describe('the isl CLI: seed, publish, grant, retrieve, disclosures', () => {
    const run = (args: string[], env: Record<string, string>, expectedCode = 0): Promise<unknown> =>
      runIsl(args, { profile: getTestConsortium().layout.connectionProfile, org: ORG, env, expectedCode });

    it('takes a new user from a synthetic study to retrieved files and the accounting of disclosures', async () => {
      const patient = { ISL_WALLET: join(work, 'cli-patient.json'), ISL_WALLET_PASSPHRASE: 'patient cli passphrase' };
      const doctor = { ISL_WALLET: join(work, 'cli-doctor.json'), ISL_WALLET_PASSPHRASE: 'doctor cli passphrase' };
      // Wallets are made on purpose, never on the fly: their recovery code must be seen.
      const refused = (await run(['recipient-key'], doctor, 1)) as { error: { message: string } };
      assert.match(refused.error.message, /no wallet at .*isl wallet create/);
      assert.equal(existsSync(doctor.ISL_WALLET), false, 'no wallet was made on the fly');
      await run(['wallet', 'create'], patient);
      await run(['wallet', 'create'], doctor);
      const seeded = (await run(['pacs', 'seed', '--instances', '3', '--out', join(work, 'cli-study')], patient)) as { folder: string; instances: number };
      assert.equal(seeded.instances, 3);
      const published = (await run(['publish', seeded.folder], patient)) as { reference: string; source: string; stored: number };
      assert.equal(published.source, services.sourceId);
      assert.equal(published.stored, 0, 'the seed command already loaded the instances into the PACS');
      const { keyId } = (await run(['recipient-key'], doctor)) as { keyId: string };
      await run(['grant', '--source', published.source, '--study', published.reference, '--recipient', keyId, '--until', '7d'], patient);
      const got = (await run(
        ['retrieve', '--source', published.source, '--study', published.reference, '--protocol', 'iti43', '--out', join(work, 'cli-out')],
        doctor,
      )) as { files: number };
      assert.equal(got.files, 3);
      assert.deepEqual(
        hashesOf(readdirSync(join(work, 'cli-out')).map((f) => join(work, 'cli-out', f))),
        hashesOf(readdirSync(seeded.folder).map((f) => join(seeded.folder, f))),
      );
      const seen = await waitFor(
        'the release in isl disclosures',
        async () => {
          const list = (await run(['disclosures'], patient)) as { recipient: string; study: string }[];
          return list.length > 0 ? list : false;
        },
        { timeoutMs: 60_000 },
      );
      assert.deepEqual(
        seen.map((d) => [d.study, d.recipient]),
        [[published.reference, keyId]],
      );
    });
  });

  describe('XDS-I.b: a consumer written to IHE’s text (ITI-43 → KOS manifest → RAD-69 per series)', () => {
    const SERIES = 3;
    const XDS_INSTANCES = 12;
    let xdsStudy: string;
    let xdsPatientKey: SigningKey;
    let xdsFiles: Map<string, string>;
    let xdsDescription: ManifestStudy;

    const header = (action: string, to: string): string =>
      `<s:Header><a:Action s:mustUnderstand="1">${action}</a:Action><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>` +
      `<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">${to}</a:To></s:Header>`;

    /** A RAD-69 request for some instances of one series (RAD TF-2 §4.69.4.1.2), written as a string. */
    const rad69Envelope = (studyUid: string, seriesUid: string, repository: string, sopUids: readonly string[]): string =>
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
      header('urn:ihe:rad:2009:RetrieveImagingDocumentSet', `${services.url}/rad69`) +
      `<s:Body><RetrieveImagingDocumentSetRequest xmlns="urn:ihe:rad:xdsi-b:2009" xmlns:ihe="urn:ihe:iti:xds-b:2007">` +
      `<StudyRequest studyInstanceUID="${studyUid}"><SeriesRequest seriesInstanceUID="${seriesUid}">` +
      sopUids
        .map(
          (u) =>
            `<ihe:DocumentRequest><ihe:RepositoryUniqueId>${repository}</ihe:RepositoryUniqueId><ihe:DocumentUniqueId>${u}</ihe:DocumentUniqueId></ihe:DocumentRequest>`,
        )
        .join('') +
      `</SeriesRequest></StudyRequest><TransferSyntaxUIDList><TransferSyntaxUID>1.2.840.10008.1.2.1</TransferSyntaxUID>` +
      `<TransferSyntaxUID>1.2.840.10008.1.2</TransferSyntaxUID></TransferSyntaxUIDList></RetrieveImagingDocumentSetRequest></s:Body></s:Envelope>`;

    const grantXds = async (recipient: string): Promise<void> => {
      const statement = await createStatement(
        'AllowAccess',
        { source: services.sourceId, study: xdsStudy, recipient, until: Math.floor(Date.now() / 1000) + 3600, purpose: 'TREAT' },
        privateJwkOf(xdsPatientKey),
        { audience },
      );
      await ledger.submit('AllowAccess', [statement]);
    };

    /** A signed SOAP 1.2 + MTOM request whose envelope, MIME framing and answer are handled as plain strings, as a third-party consumer would. */
    const soap = async (key: SigningKey, path: string, action: string, envelope: string): Promise<{ xml: string; attachments: Map<string, Buffer> }> => {
      const body = Buffer.from(
        `--MIME_consumer\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@consumer.example>\r\n\r\n${envelope}\r\n--MIME_consumer--\r\n`,
      );
      const headers = {
        'content-type': `multipart/related; boundary=MIME_consumer; type="application/xop+xml"; start="<root@consumer.example>"; start-info="application/soap+xml"; action="${action}"`,
        'content-digest': contentDigest(body),
      };
      const target = new URL(path, services.url).href;
      const signed = signRequest(key, { method: 'POST', targetUri: target, headers }, { nonce: newNonce(), components: POST_COMPONENTS });
      const answer = await send('POST', path, { ...headers, ...signed }, body);
      assert.equal(answer.status, 200, answer.body.toString('latin1').slice(0, 500));
      const boundary = /boundary="?([^";]+)"?/.exec(String(answer.headers['content-type']))?.[1] ?? '';
      const parts = answer.body
        .toString('latin1')
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((p) => {
          const split = p.indexOf('\r\n\r\n');
          return { head: p.slice(2, split), content: Buffer.from(p.slice(split + 4, p.endsWith('\r\n') ? -2 : undefined), 'latin1') };
        });
      const [root, ...rest] = parts;
      const attachments = new Map(rest.map((a) => [/Content-ID: <([^>]+)>/i.exec(a.head)?.[1] ?? '', a.content]));
      return { xml: root?.content.toString('utf8') ?? '', attachments };
    };

    /** Each DocumentResponse: its DocumentUniqueId and the attachment its xop:Include names. */
    const documentsOf = (answer: { xml: string; attachments: Map<string, Buffer> }): { id: string; repository: string; bytes: Buffer }[] =>
      [...answer.xml.matchAll(/<xdsb:DocumentResponse>(.*?)<\/xdsb:DocumentResponse>/gs)].map((m) => {
        const inner = m[1] ?? '';
        const cid = decodeURIComponent(/<xop:Include href="cid:([^"]+)"/.exec(inner)?.[1] ?? '');
        const bytes = answer.attachments.get(cid);
        assert.ok(bytes, `the attachment ${cid} is in the answer`);
        return {
          id: /<xdsb:DocumentUniqueId>([^<]+)</.exec(inner)?.[1] ?? '',
          repository: /<xdsb:RepositoryUniqueId>([^<]+)</.exec(inner)?.[1] ?? '',
          bytes,
        };
      });

    before(async () => {
      // A study of three series, published like any other.
      const synthetic = writeSyntheticStudy(join(work, 'xds-study'), { instances: XDS_INSTANCES, series: SERIES });
      const published = await publisher.publish(join(work, 'xds-study'), new WalletConsentSigner(patientWallet!));
      xdsStudy = published.reference;
      xdsPatientKey = await patientWallet!.keyById(published.patientKeyId);
      const orthancStudy = await orthanc.lookup(synthetic.studyInstanceUid, 'Study');
      assert.ok(orthancStudy);
      xdsFiles = new Map();
      for (const i of await orthanc.studyInstances(orthancStudy)) xdsFiles.set(i.sopInstanceUid, sha(await orthanc.instanceFile(i.id)));
      assert.equal(xdsFiles.size, XDS_INSTANCES);
      xdsDescription = await orthanc.describeStudy(orthancStudy);
      assert.equal(xdsDescription.series.length, SERIES);
    });

    it('by hand: ITI-43 returns the KOS (dciodvfy: no error), dcmjs reads its evidence, RAD-69 per series returns every instance, bytes equal to Orthanc’s', async () => {
      const consumer = await recipientKey();
      await grantXds(consumer.keyId);
      // 1. ITI-43 Retrieve Document Set for the study reference (ITI TF-2 §3.43.4.1.2).
      const iti = await soap(
        consumer,
        '/',
        'urn:ihe:iti:2007:RetrieveDocumentSet',
        `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
          header('urn:ihe:iti:2007:RetrieveDocumentSet', `${services.url}/`) +
          `<s:Body><RetrieveDocumentSetRequest xmlns="urn:ihe:iti:xds-b:2007"><DocumentRequest><RepositoryUniqueId>${services.sourceId}</RepositoryUniqueId>` +
          `<DocumentUniqueId>${xdsStudy}</DocumentUniqueId></DocumentRequest></RetrieveDocumentSetRequest></s:Body></s:Envelope>`,
      );
      assert.match(iti.xml, /status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/);
      const [manifest, ...more] = documentsOf(iti);
      assert.ok(manifest);
      assert.equal(more.length, 0, 'one document: the manifest');
      assert.equal(manifest.id, xdsStudy);
      assert.match(iti.xml, /<xdsb:mimeType>application\/dicom<\/xdsb:mimeType>/);
      // 2. The manifest is a valid Key Object Selection Document (dicom3tools' dciodvfy).
      const dir = mkdtempSync(join(work, 'kos-'));
      writeFileSync(join(dir, 'manifest.dcm'), manifest.bytes);
      const check = spawnSync('dciodvfy', [join(dir, 'manifest.dcm')], { encoding: 'utf8', timeout: 30_000 });
      const report = `${check.stdout}${check.stderr}`;
      assert.equal(check.status, 0, report);
      assert.doesNotMatch(report, /^Error/m, report);
      // 3. Its Current Requested Procedure Evidence Sequence (0040,A375), read with dcmjs (not this project's reader).
      const kos = data.DicomMetaDictionary.naturalizeDataset(data.DicomMessage.readFile(Uint8Array.from(manifest.bytes).buffer).dict) as Naturalized;
      assert.equal(kos.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.59');
      const title = kos.ConceptNameCodeSequence?.[0];
      assert.deepEqual([title?.CodeValue, title?.CodingSchemeDesignator, title?.CodeMeaning], ['113030', 'DCM', 'Manifest']);
      const evidence = kos.CurrentRequestedProcedureEvidenceSequence?.[0];
      assert.ok(evidence);
      const series = evidence.ReferencedSeriesSequence ?? [];
      assert.equal(series.length, SERIES);
      // 4. RAD-69 per series, to the Imaging Document Source the Retrieve Location UID names (RAD TF-2 §4.69.4.1.2).
      const got = new Map<string, string>();
      for (const s of series) {
        assert.ok(s.RetrieveLocationUID);
        const instances = s.ReferencedSOPSequence ?? [];
        const rad = await soap(
          consumer,
          '/rad69',
          'urn:ihe:rad:2009:RetrieveImagingDocumentSet',
          rad69Envelope(
            evidence.StudyInstanceUID ?? '',
            s.SeriesInstanceUID ?? '',
            s.RetrieveLocationUID,
            instances.map((i) => i.ReferencedSOPInstanceUID ?? ''),
          ),
        );
        assert.match(rad.xml, /<wsa:Action env:mustUnderstand="true">urn:ihe:iti:2007:RetrieveDocumentSetResponse<\/wsa:Action>/);
        assert.match(rad.xml, /status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/);
        const docs = documentsOf(rad);
        assert.deepEqual(docs.map((d) => d.id).sort(), instances.map((i) => i.ReferencedSOPInstanceUID).sort());
        for (const d of docs) {
          assert.equal(d.repository, s.RetrieveLocationUID);
          got.set(d.id, sha(d.bytes));
        }
      }
      assert.deepEqual(new Map([...got].sort()), new Map([...xdsFiles].sort()), 'every instance, byte for byte as Orthanc holds it');
    });

    it('the isl client (--protocol xds-i) retrieves the study byte-identical, and each manifest and series release is a disclosure', async () => {
      const doctor = await recipientKey();
      await grantXds(doctor.keyId);
      const got = await retrieveStudy({
        url: services.url,
        sourceId: services.sourceId,
        study: xdsStudy,
        key: doctor,
        protocol: 'xds-i',
        ca,
        outDir: mkdtempSync(join(work, 'xds-i-')),
      });
      assert.equal(got.files.length, XDS_INSTANCES);
      assert.deepEqual(hashesOf(got.files), [...xdsFiles.values()].sort());
      const records = await waitFor(
        'the manifest and three series releases on the ledger',
        async () => {
          const list = await ledger.evaluate<{ recipient: string; size: number }[]>('ListDisclosures', [services.sourceId, xdsStudy]);
          const mine = list.filter((r) => r.recipient === doctor.keyId);
          return mine.length >= 1 + SERIES ? mine : false;
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(records.length, 1 + SERIES);
      const total = records.reduce((sum, r) => sum + r.size, 0);
      assert.ok(
        records.some((r) => r.size === total - got.bytes),
        'three series releases add up to the instances’ bytes; the fourth is the manifest',
      );
    });

    it('an ungranted consumer naming the study’s real UIDs gets XDSDocumentUniqueIdError, as for an unknown study, and nothing is released', async () => {
      const stranger = await recipientKey();
      const series = xdsDescription.series[0];
      assert.ok(series);
      const location = retrieveLocationUid(services.sourceId);
      const ask = (studyUid: string): Promise<{ xml: string; attachments: Map<string, Buffer> }> =>
        soap(
          stranger,
          '/rad69',
          'urn:ihe:rad:2009:RetrieveImagingDocumentSet',
          rad69Envelope(
            studyUid,
            series.seriesInstanceUid,
            location,
            series.instances.map((i) => i.sopInstanceUid),
          ),
        );
      const ungranted = await ask(xdsDescription.studyInstanceUid);
      const unknown = await ask('2.25.1234567890123456789');
      assert.match(ungranted.xml, /ResponseStatusType:Failure/);
      assert.equal(ungranted.xml.match(/errorCode="XDSDocumentUniqueIdError"/g)?.length, series.instances.length);
      assert.equal(ungranted.attachments.size, 0);
      const strip = (x: string): string => x.replace(/urn:uuid:[0-9a-f-]{36}/g, 'U');
      assert.equal(strip(ungranted.xml), strip(unknown.xml), 'the same answer for an unknown study');
      const records = await ledger.evaluate<{ recipient: string }[]>('ListDisclosures', [services.sourceId, xdsStudy]);
      assert.equal(records.filter((r) => r.recipient === stranger.keyId).length, 0);
      for (const f of readdirSync(services.paths.outbox).filter((n) => n.endsWith('.json'))) {
        assert.notEqual((JSON.parse(readFileSync(join(services.paths.outbox, f), 'utf8')) as { recipient: string }).recipient, stranger.keyId);
      }
    });
  });

  describe('wire conformance', () => {
    it('answers a raw ITI-43 request written by hand asking for the instances (XML, MIME and signature base as strings)', async () => {
      const doctor = await recipientKey();
      await allow(doctor.keyId, Math.floor(Date.now() / 1000) + 3600);
      const target = `${services.url}/`;
      const envelope = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">',
        '<soap:Header>',
        '<a:Action soap:mustUnderstand="1">urn:ihe:iti:2007:RetrieveDocumentSet</a:Action>',
        '<a:MessageID>urn:uuid:0f2d6a3e-7a43-4b8e-9a7c-5d6c2b1e9f00</a:MessageID>',
        `<a:To soap:mustUnderstand="1">${target}</a:To>`,
        '<DocumentContent xmlns="urn:isl:xds:2025">instances</DocumentContent>',
        '</soap:Header>',
        '<soap:Body>',
        '<RetrieveDocumentSetRequest xmlns="urn:ihe:iti:xds-b:2007">',
        '<DocumentRequest>',
        `<RepositoryUniqueId>${services.sourceId}</RepositoryUniqueId>`,
        `<DocumentUniqueId>${study}</DocumentUniqueId>`,
        '</DocumentRequest>',
        '</RetrieveDocumentSetRequest>',
        '</soap:Body>',
        '</soap:Envelope>',
      ].join('\r\n');
      const body = Buffer.from(
        '--MIMEBoundary_hand_made\r\n' +
          'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n' +
          'Content-Transfer-Encoding: binary\r\n' +
          'Content-ID: <0.root@hand.example>\r\n' +
          '\r\n' +
          envelope +
          '\r\n--MIMEBoundary_hand_made--\r\n',
      );
      const contentType =
        'multipart/related; boundary=MIMEBoundary_hand_made; type="application/xop+xml"; start="<0.root@hand.example>"; start-info="application/soap+xml"; action="urn:ihe:iti:2007:RetrieveDocumentSet"';
      const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
      const keyHeader = Buffer.from(
        JSON.stringify({ kty: doctor.publicJwk.kty, crv: doctor.publicJwk.crv, x: doctor.publicJwk.x, y: doctor.publicJwk.y }),
      ).toString('base64url');
      const params = `("@method" "@target-uri" "content-type" "content-digest" "isl-recipient-key");created=${String(Math.floor(Date.now() / 1000))};nonce="${randomUUID().replace(/-/g, '')}";keyid="${doctor.keyId}";alg="ecdsa-p256-sha256";tag="isl-retrieve"`;
      const base = `"@method": POST\n"@target-uri": ${target}\n"content-type": ${contentType}\n"content-digest": ${digest}\n"isl-recipient-key": ${keyHeader}\n"@signature-params": ${params}`;
      const signature = cryptoSign('sha256', Buffer.from(base), { key: doctor.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
      const answer = await send(
        'POST',
        '/',
        {
          'content-type': contentType,
          'content-digest': digest,
          'isl-recipient-key': keyHeader,
          'signature-input': `isl=${params}`,
          signature: `isl=:${signature}:`,
          'content-length': String(body.length),
        },
        body,
      );

      assert.equal(answer.status, 200);
      const type = String(answer.headers['content-type']);
      assert.match(type, /^multipart\/related;/);
      assert.match(type, /type="application\/xop\+xml"/);
      assert.match(type, /start-info="application\/soap\+xml"/);
      const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1] ?? '';
      const start = /start="<([^>]+)>"/.exec(type)?.[1] ?? '';
      const parts = answer.body.toString('latin1').split(`--${boundary}`);
      assert.equal(parts[0], '', 'no preamble');
      assert.equal(parts.at(-1), '--\r\n', 'close delimiter');
      const [root, ...attachments] = parts.slice(1, -1).map((p) => {
        const split = p.indexOf('\r\n\r\n');
        const head = p.slice(2, split);
        const content = p.slice(split + 4, p.endsWith('\r\n') ? -2 : undefined);
        return { head, content };
      });
      assert.ok(root);
      assert.match(root.head, new RegExp(`Content-ID: <${start.replace(/[.$]/g, '\\$&')}>`));
      assert.match(root.head, /Content-Type: application\/xop\+xml; charset=UTF-8; type="application\/soap\+xml"/);
      const xml = root.content;
      assert.match(xml, /<wsa:Action env:mustUnderstand="true">urn:ihe:iti:2007:RetrieveDocumentSetResponse<\/wsa:Action>/);
      assert.match(xml, /<wsa:RelatesTo>urn:uuid:0f2d6a3e-7a43-4b8e-9a7c-5d6c2b1e9f00<\/wsa:RelatesTo>/);
      assert.match(xml, /<rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">/);
      const hrefs = [
        ...xml.matchAll(
          /<xdsb:DocumentResponse><xdsb:RepositoryUniqueId>([^<]+)<\/xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>([^<]+)<\/xdsb:DocumentUniqueId><xdsb:mimeType>application\/dicom<\/xdsb:mimeType><xdsb:Document><xop:Include href="cid:([^"]+)"\/><\/xdsb:Document><\/xdsb:DocumentResponse>/g,
        ),
      ];
      assert.equal(hrefs.length, INSTANCES);
      for (const h of hrefs) {
        assert.equal(h[1], services.sourceId);
        assert.equal(h[2], study);
      }
      assert.equal(attachments.length, INSTANCES);
      const cids = attachments.map((a) => /Content-ID: <([^>]+)>/.exec(a.head)?.[1]);
      assert.deepEqual(
        cids,
        hrefs.map((h) => decodeURIComponent(h[3] ?? '')),
      );
      for (const a of attachments) assert.match(a.head, /Content-Type: application\/dicom/);
      assert.deepEqual(attachments.map((a) => sha(Buffer.from(a.content, 'latin1'))).sort(), [...orthancFiles.values()].sort());
    });
  });

  describe('denials: the same answer for unknown and ungranted studies, and nothing released', () => {
    const deniedBoth = async (key: SigningKey, ref = study): Promise<void> => {
      const wado = await refusal(retrieve(key, 'wado-rs', ref));
      assert.equal(wado.httpStatus, 404);
      assert.equal(wado.code, 'not-found');
      const iti = await refusal(retrieve(key, 'iti43', ref));
      assert.equal(iti.code, 'XDSDocumentUniqueIdError');
      const xds = await refusal(retrieve(key, 'xds-i', ref));
      assert.equal(xds.code, 'XDSDocumentUniqueIdError', 'the manifest is refused like the instances');
    };

    it('no grant', async () => {
      const stranger = await recipientKey();
      await deniedBoth(stranger);
      await assertNothingReleasedTo(stranger.keyId);
    });

    it('unknown study, answered exactly like an ungranted one', async () => {
      const stranger = await recipientKey();
      const unknown = newStudyReference();
      await deniedBoth(stranger, unknown);
      const a = await send('GET', `/studies/${unknown}`, signedGet(stranger, unknown));
      const b = await send('GET', `/studies/${study}`, signedGet(stranger, study));
      assert.equal(a.status, b.status);
      assert.deepEqual(a.body, b.body);
      const ia = (await iti43(stranger, [{ repositoryUniqueId: services.sourceId, documentUniqueId: unknown }])).body.toString();
      const ib = (await iti43(stranger, [{ repositoryUniqueId: services.sourceId, documentUniqueId: study }])).body.toString();
      const strip = (s: string): string =>
        s
          .replaceAll(unknown, 'X')
          .replaceAll(study, 'X')
          .replace(/isl-[0-9a-f]{32}/g, 'B')
          .replace(/[0-9a-f-]{36}/g, 'U');
      assert.equal(strip(ia), strip(ib));
    });

    it('revoked: refused right after the revocation commits', async () => {
      const doctor = await recipientKey();
      await allow(doctor.keyId, Math.floor(Date.now() / 1000) + 3600);
      const before = await retrieve(doctor, 'wado-rs');
      assert.equal(before.files.length, INSTANCES);
      const revoke = await createStatement('RevokeAccess', { source: services.sourceId, study, recipient: doctor.keyId }, privateJwkOf(patientKey), {
        audience,
      });
      await ledger.submit('RevokeAccess', [revoke]);
      await deniedBoth(doctor);
    });

    it('expired grant', async () => {
      const doctor = await recipientKey();
      const until = Math.floor(Date.now() / 1000) + 6;
      await allow(doctor.keyId, until);
      await waitFor('the grant to expire', () => Date.now() >= until * 1000, { timeoutMs: 10_000 });
      await deniedBoth(doctor);
      await assertNothingReleasedTo(doctor.keyId);
    });

    it("a recipient presenting another recipient's grant", async () => {
      const granted = await recipientKey();
      await allow(granted.keyId, Math.floor(Date.now() / 1000) + 3600);
      const thief = await recipientKey();
      // With its own key: not granted.
      await deniedBoth(thief);
      // Claiming the granted key (its public key and key id) but signing with its own: the signature fails.
      const forged = { ...thief, publicJwk: granted.publicJwk, keyId: granted.keyId };
      const wado = await refusal(retrieve(forged, 'wado-rs'));
      assert.equal(wado.httpStatus, 401);
      const iti = await refusal(retrieve(forged, 'iti43'));
      assert.equal(iti.code, 'wsse:FailedCheck');
      await assertNothingReleasedTo(thief.keyId);
      await assertNothingReleasedTo(granted.keyId);
    });
  });
  describe('the grant view: decisions from the blocks of the source’s own peer (docs/image-retrieval.md, "The grant decision")', () => {
    interface ViewHealth {
      readonly live: boolean;
      readonly height: string;
      readonly answered: { readonly view: number; readonly peer: number };
    }
    const viewHealth = async (): Promise<ViewHealth> => {
      const answer = await send('GET', '/healthz', {});
      assert.equal(answer.status, 200);
      const view = (JSON.parse(answer.body.toString('utf8')) as { grantView?: ViewHealth }).grantView;
      assert.ok(view, '/healthz reports the grant view');
      return view;
    };
    const wadoStatus = async (key: SigningKey): Promise<number> => (await send('GET', `/studies/${study}`, signedGet(key, study))).status;
    const revokeFor = async (recipient: string): Promise<bigint> => {
      const revoke = await createStatement('RevokeAccess', { source: services.sourceId, study, recipient }, privateJwkOf(patientKey), { audience });
      return (await ledger.submit('RevokeAccess', [revoke])).blockNumber;
    };

    it('is live and answers the releases itself', async () => {
      const doctor = await recipientKey();
      await allow(doctor.keyId, Math.floor(Date.now() / 1000) + 3600);
      await waitFor('the view to be live', async () => (await viewHealth()).live || false, { timeoutMs: 60_000 });
      const before = await viewHealth();
      assert.equal(await wadoStatus(doctor), 200);
      const after = await viewHealth();
      assert.ok(after.answered.view > before.answered.view, 'the view answered the release');
    });

    it('under load: every release that starts after the source’s peer reports the revocation’s block is refused', async () => {
      const doctor = await recipientKey();
      await allow(doctor.keyId, Math.floor(Date.now() / 1000) + 3600);
      await waitFor('the grant to reach the view', async () => (await wadoStatus(doctor)) === 200 || false, { timeoutMs: 60_000 });
      const viewBefore = (await viewHealth()).answered.view;
      // Set once the source organisation's peer has reported the revocation committed (its commit status, block h).
      let reported = false;
      let stop = false;
      const outcomes: { readonly after: boolean; readonly status: number }[] = [];
      const worker = async (): Promise<void> => {
        while (!stop) {
          const after = reported;
          outcomes.push({ after, status: await wadoStatus(doctor) });
        }
      };
      const workers = Array.from({ length: 4 }, () => worker());
      try {
        await waitFor('20 releases before the revocation', () => outcomes.filter((o) => o.status === 200).length >= 20 || false, { timeoutMs: 120_000 });
        const block = await revokeFor(doctor.keyId);
        reported = true;
        await waitFor('60 requests started after the revocation', () => outcomes.filter((o) => o.after).length >= 60 || false, { timeoutMs: 120_000 });
        assert.ok(block > 0n);
      } finally {
        stop = true;
        await Promise.all(workers);
      }
      const after = outcomes.filter((o) => o.after);
      assert.deepEqual(
        after.filter((o) => o.status !== 404),
        [],
        'every release that started after the peer reported the revocation was refused',
      );
      assert.ok(after.length >= 60);
      const health = await viewHealth();
      // A heartbeat that reads the peer's height just before its block arrives sends a decision to the peer: rare, and safe.
      assert.ok(health.answered.view - viewBefore >= outcomes.length / 2, `the view answered these decisions (${JSON.stringify(health.answered)})`);
    });

    it('restarted, resumes from its checkpoint and applies what was committed while it was down', async () => {
      const consortium = getTestConsortium();
      const kept = await recipientKey();
      const revoked = await recipientKey();
      await allow(kept.keyId, Math.floor(Date.now() / 1000) + 3600);
      await allow(revoked.keyId, Math.floor(Date.now() / 1000) + 3600);
      await waitFor('both grants to reach the view', async () => ((await wadoStatus(kept)) === 200 && (await wadoStatus(revoked)) === 200) || false, {
        timeoutMs: 60_000,
      });
      await consortium.supervisor.stop(services.paths.serverProcess);
      const checkpoint = JSON.parse(readFileSync(services.paths.grantView, 'utf8')) as { height: string };
      const block = await revokeFor(revoked.keyId);
      assert.ok(block >= BigInt(checkpoint.height), 'the revocation is in a block the checkpoint does not reflect');
      const logFile = consortium.supervisor.logOf(services.paths.serverProcess);
      const logged = readFileSync(logFile, 'utf8').length;
      await startImageSourceServices({
        profile,
        org: ORG,
        runDir: organisationHome(consortium.layout.connectionProfile, organisationOf(profile, ORG)),
        supervisor: consortium.supervisor,
      });
      const health = await waitFor(
        'the restarted view to be live',
        async () => {
          const h = await viewHealth();
          return h.live ? h : false;
        },
        { timeoutMs: 60_000 },
      );
      assert.ok(BigInt(health.height) > block, 'it applied the revocation’s block');
      const resumed = readFileSync(logFile, 'utf8')
        .slice(logged)
        .split('\n')
        .filter((line) => line.includes('grant view: resuming from its checkpoint'));
      assert.equal(resumed.length, 1, 'it resumed from its checkpoint rather than rebuilding');
      assert.equal((JSON.parse(resumed[0] ?? '{}') as { height?: string }).height, checkpoint.height);
      assert.equal(await wadoStatus(kept), 200);
      assert.equal(await wadoStatus(revoked), 404);
      const after = await viewHealth();
      assert.ok(after.answered.view >= 1, `the resumed view answered (${JSON.stringify(after.answered)})`);
    });
  });
});
