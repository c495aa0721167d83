import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement, newStudyReference } from '@isl/chaincode';
import { connectGateway, type ConnectionProfile, type GatewayConnection, type Organisation, organisationOf } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { getTestServices } from '../../testing/root-hooks';
import { imageSourceEndpoints } from '../../imagesource/endpoints';
import { ImageSourcePaths } from '../../imagesource/paths';
import { retrieveStudy } from '../../retrieval/retrieve-client';
import { readSourceKey } from '../../imagesource/source-key';
import { StudyStore } from '../../imagesource/study-store';
import { WalletConsentSigner } from '../../publishing/wallet-consent';
import { LedgerRejection } from '../../ledger/errors';
import { LedgerClient } from '../../ledger/ledger-client';
import { OrthancClient } from '../../pacs/orthanc-client';
import { orthancCredentials, OrthancFiles } from '../../pacs/orthanc-config';
import { writeSyntheticStudy } from '../../pacs/synthetic-study';
import { runIsl } from '../../testing/run-isl';
import { privateJwkOf, Wallet, WalletStore } from '../../wallet';

const FAST = { scrypt: { N: 2 ** 15, r: 8, p: 1 } };
const INSTANCES = 60;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, unknown> & { code?: string; detail?: string };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A STOW-RS body: one application/dicom part per file. */
function stowBody(parts: readonly Buffer[], boundary: string): Buffer {
  return Buffer.concat([
    ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n')]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

describe('publishing over the gateway REST API (real gateway, real Orthanc, real network)', function () {
  this.timeout(240_000);
  let org: Organisation;
  let profile: ConnectionProfile;
  let base: string;
  let token: string;
  let work: string;
  let paths: ImageSourcePaths;
  let orthanc: OrthancClient;
  let sourceId: string;
  let audience: string;
  let connection: GatewayConnection | undefined;
  let ledger: LedgerClient;
  let patient: Wallet | undefined;
  let recipient: Wallet | undefined;
  /** The study the first test publishes. */
  let publishedReference: string | undefined;

  const call = (method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(new URL(path, base), { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: (text === '' ? {} : JSON.parse(text)) as Answer['json'] });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  const upload = (files: readonly Buffer[], auth = token): Promise<Answer> => {
    const boundary = `stow-${randomBytes(8).toString('hex')}`;
    return call(
      'POST',
      '/api/v1/publications',
      { authorization: `Bearer ${auth}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
      stowBody(files, boundary),
    );
  };

  const consent = (reference: string, jws: string): Promise<Answer> =>
    call(
      'POST',
      `/api/v1/publications/${reference}/consent`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      Buffer.from(JSON.stringify({ consent: jws })),
    );

  const studyOf = (folder: string, instances: number): { uid: string; files: Buffer[] } => {
    const s = writeSyntheticStudy(folder, { instances, patientId: `PUBTEST-${randomBytes(4).toString('hex')}` });
    return { uid: s.studyInstanceUid, files: s.files.map((f) => readFileSync(f)) };
  };

  const onLedger = async (reference: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return await ledger.evaluate<Record<string, unknown>>('GetStudy', [sourceId, reference]);
    } catch (err) {
      if (err instanceof LedgerRejection && err.code === 'STUDY_NOT_FOUND') return undefined;
      throw err;
    }
  };

  /** The gateway's count of uploads with this outcome (its Prometheus metrics). */
  const uploads = async (outcome: string): Promise<number> => {
    const text = await new Promise<string>((done, fail) => {
      request(new URL('/metrics', base), (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          done(body);
        });
      })
        .on('error', fail)
        .end();
    });
    const value = new RegExp(`isl_gateway_publication_uploads_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(text)?.[1];
    return Number(value ?? 0);
  };

  /** Nothing of the study reached the PACS or the source's own records. */
  const assertNothingStored = async (uid: string): Promise<void> => {
    assert.equal(await orthanc.lookup(uid, 'Study'), undefined, 'the PACS holds none of it');
    assert.equal(new StudyStore(paths.studies).byUid(uid), undefined, 'no reference was made for it');
  };

  before(async () => {
    const consortium = getTestConsortium();
    const services = getTestServices();
    // Hospital2: an image source that no other test stops.
    const found = consortium.topology.organisations.find((o) => o.mspId === 'Hospital2MSP');
    assert.ok(found);
    org = found;
    profile = consortium.connectionProfile();
    base = services.gatewayUrl(org);
    token = services.memberToken(org);
    audience = audienceFor(profile.channel, profile.chaincode);
    paths = new ImageSourcePaths(consortium.home(org.name).root, org.name);
    sourceId = (await readSourceKey(paths.sourceKey)).keyId;
    orthanc = new OrthancClient(
      `http://127.0.0.1:${String(imageSourceEndpoints(organisationOf(profile, org.mspId)).orthancHttp)}`,
      orthancCredentials(new OrthancFiles(paths.orthanc)),
    );
    connection = connectGateway({ org: organisationOf(profile, org.mspId) });
    ledger = new LedgerClient(connection.gateway.getNetwork(profile.channel).getContract(profile.chaincode));
    work = mkdtempSync(join(tmpdir(), 'isl-publications-'));
    patient = await Wallet.create(new WalletStore({ path: join(work, 'patient.json') }), 'patient passphrase', FAST);
    recipient = await Wallet.create(new WalletStore({ path: join(work, 'recipient.json') }), 'recipient passphrase', FAST);
  });

  after(() => {
    connection?.close();
    patient?.close();
    recipient?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`stages a ${String(INSTANCES)}-instance CT study sent as STOW-RS, publishes it with the patient's consent, and the study is then retrievable byte for byte`, async () => {
    const study = studyOf(join(work, 'ct'), INSTANCES);
    const staged = await upload(study.files);
    assert.equal(staged.status, 201, JSON.stringify(staged.json));
    const reference = staged.json.reference as string;
    assert.match(reference, /^[A-Za-z0-9_-]{43}$/);
    publishedReference = reference;
    assert.deepEqual(
      { state: staged.json.state, source: staged.json.source, instances: staged.json.instances, stored: staged.json.stored, uid: staged.json.studyInstanceUid },
      { state: 'awaiting-consent', source: sourceId, instances: INSTANCES, stored: INSTANCES, uid: study.uid },
    );
    assert.deepEqual(staged.json.consentRequest, { type: 'PatientConsent', source: sourceId, study: reference, aud: audience });

    // The PACS holds every instance exactly as sent; the ledger has nothing yet.
    const orthancStudy = await orthanc.lookup(study.uid, 'Study');
    assert.ok(orthancStudy);
    const held = await orthanc.studyInstances(orthancStudy);
    const heldHashes = await Promise.all(held.map(async (i) => sha(await orthanc.instanceFile(i.id))));
    assert.deepEqual(heldHashes.sort(), study.files.map(sha).sort());
    assert.equal(await onLedger(reference), undefined, 'nothing is on the ledger before the patient consents');
    assert.equal((await call('GET', `/api/v1/publications/${reference}`, { authorization: `Bearer ${token}` })).json.state, 'awaiting-consent');

    // A retried upload (its answer lost) gets the same reference and stores nothing again.
    const retried = await upload(study.files);
    assert.equal(retried.status, 200);
    assert.equal(retried.json.reference, reference);
    assert.equal(retried.json.stored, 0);

    // The patient signs on their own device; the hospital's system posts it.
    const signed = await new WalletConsentSigner(patient!).signConsent(sourceId, reference, audience);
    const defined = await consent(reference, signed.consent);
    assert.equal(defined.status, 201, JSON.stringify(defined.json));
    assert.equal(defined.json.state, 'defined');
    assert.equal(defined.json.patientKey, signed.patientKeyId);
    assert.match(defined.json.transactionId as string, /^[0-9a-f]{64}$/);
    const record = await onLedger(reference);
    assert.ok(record, 'DefineStudy committed before the answer');
    const text = JSON.stringify(record);
    assert.ok(text.includes(signed.patientKeyId), 'the study is owned by the consenting patient key');
    assert.ok(!text.includes(study.uid) && !text.includes('2.25.') && !text.includes('PUBTEST-'), 'no UID or patient id on the ledger');

    // The same consent again: the same outcome, no second transaction.
    const again = await consent(reference, signed.consent);
    assert.equal(again.status, 200);
    assert.equal(again.json.alreadyApplied, true);
    const listed = (await call('GET', '/api/v1/publications', { authorization: `Bearer ${token}` })).json.publications as {
      reference: string;
      state: string;
    }[];
    assert.equal(listed.find((p) => p.reference === reference)?.state, 'defined');
    const republished = await upload(study.files);
    assert.equal(republished.status, 409);
    assert.equal(republished.json.code, 'ALREADY_PUBLISHED');

    // A crash between the commit and the local record leaves the mapping pending: the study is
    // still released to a granted recipient, and posting the consent again records it as defined.
    const store = new StudyStore(paths.studies);
    const mapping = store.byReference(reference);
    assert.ok(mapping);
    await store.put({ ...mapping, state: 'pending' });

    // Published means retrievable: grant a recipient, fetch over WADO-RS from this source.
    const patientKey = await patient!.keyById(signed.patientKeyId);
    const doctor = await recipient!.deriveKey('recipient', await recipient!.newStudyContext('recipient'));
    await ledger.submit('AllowAccess', [
      await createStatement(
        'AllowAccess',
        { source: sourceId, study: reference, recipient: doctor.keyId, until: Math.floor(Date.now() / 1000) + 3600, purpose: 'TREAT' },
        privateJwkOf(patientKey),
        { audience },
      ),
    ]);
    const ca = profile.organisations.map((o) => readFileSync(o.peers[0]?.tlsCaCert ?? ''));
    const out = mkdtempSync(join(work, 'got-'));
    const got = await retrieveStudy({
      url: imageSourceEndpoints(organisationOf(profile, org.mspId)).url,
      sourceId,
      study: reference,
      key: doctor,
      protocol: 'wado-rs',
      ca,
      outDir: out,
    });
    assert.deepEqual(got.files.map((f) => sha(readFileSync(f))).sort(), study.files.map(sha).sort());
    const healed = await consent(reference, signed.consent);
    assert.deepEqual([healed.status, healed.json.alreadyApplied, healed.json.patientKey], [200, true, signed.patientKeyId]);
    assert.equal(store.byReference(reference)?.state, 'defined');
  });

  it('refuses bad uploads with a specific error, and stores nothing of them', async () => {
    const one = studyOf(join(work, 'one'), 3);
    const other = studyOf(join(work, 'other'), 2);
    const cases: [string, () => Promise<Answer>, number, string | undefined][] = [
      ['no token', () => call('POST', '/api/v1/publications', { 'content-type': 'application/dicom' }, one.files[0]), 401, 'UNAUTHENTICATED'],
      ['an auditor token', () => upload(one.files, getTestServices().auditorToken(org)), 403, 'MEMBER_REQUIRED'],
      [
        'JSON instead of DICOM',
        () => call('POST', '/api/v1/publications', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, Buffer.from('{"files":[]}')),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['two studies in one upload', () => upload([...one.files, ...other.files]), 400, 'SEVERAL_STUDIES'],
      ['a part that is not DICOM', () => upload([...one.files, Buffer.from('this is not a DICOM file')]), 400, 'NOT_DICOM'],
      [
        'a body cut short',
        () => {
          const body = stowBody(one.files, 'cut');
          return call(
            'POST',
            '/api/v1/publications',
            { authorization: `Bearer ${token}`, 'content-type': 'multipart/related; type="application/dicom"; boundary=cut' },
            body.subarray(0, body.length - 100),
          );
        },
        400,
        'MALFORMED_MULTIPART',
      ],
      ['no instances', () => upload([]), 400, 'UPLOAD_EMPTY'],
    ];
    for (const [what, send, status, code] of cases) {
      const answer = await send();
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.code, code, what);
      assert.ok((answer.json.detail ?? '').length > 10, `${what}: the error says what is wrong`);
    }
    await assertNothingStored(one.uid);
    await assertNothingStored(other.uid);
    const spool = join(getTestServices().gatewayStateDir(org), 'uploads');
    assert.deepEqual(existsSync(spool) ? readdirSync(spool) : [], [], 'no spooled upload is left behind');
    // Operators see refusals by code in the gateway's metrics.
    for (const outcome of ['SEVERAL_STUDIES', 'NOT_DICOM', 'MALFORMED_MULTIPART']) {
      assert.ok((await uploads(outcome)) >= 1, outcome);
    }
  });

  it('refuses a consent that is invalid or names another study or source; the study stays awaiting consent and off the ledger', async () => {
    const study = studyOf(join(work, 'consent'), 2);
    const staged = await upload(study.files);
    assert.equal(staged.status, 201);
    const reference = staged.json.reference as string;
    const key = await patient!.deriveKey('patient', await patient!.newStudyContext('patient'));
    const sign = (fields: { source: string; study: string }, issuedAt?: number): Promise<string> =>
      createStatement('PatientConsent', fields, privateJwkOf(key), { audience, ...(issuedAt !== undefined ? { issuedAt } : {}) });
    const good = await sign({ source: sourceId, study: reference });
    const [h, p, s] = good.split('.');
    const tampered = `${h ?? ''}.${p ?? ''}.${(s ?? '').startsWith('A') ? 'B' : 'A'}${(s ?? '').slice(1)}`;
    const cases: [string, Promise<Answer>, number, string][] = [
      ['another study', consent(reference, await sign({ source: sourceId, study: newStudyReference() })), 400, 'CONSENT_MISMATCH'],
      ['another source', consent(reference, await sign({ source: newStudyReference(), study: reference })), 400, 'CONSENT_MISMATCH'],
      ['a broken signature', consent(reference, tampered), 400, 'CONSENT_INVALID'],
      [
        'an expired consent',
        consent(reference, await sign({ source: sourceId, study: reference }, Math.floor(Date.now() / 1000) - 2 * 86_400)),
        400,
        'CONSENT_INVALID',
      ],
      ['not a JWS', consent(reference, 'consent'), 400, 'CONSENT_INVALID'],
      ['an unknown reference', consent(newStudyReference(), good), 404, 'PUBLICATION_NOT_FOUND'],
    ];
    for (const [what, pending, status, code] of cases) {
      const answer = await pending;
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.code, code, what);
    }
    assert.equal(
      (
        await call(
          'POST',
          '/api/v1/publications/not-a-reference/consent',
          { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          Buffer.from(JSON.stringify({ consent: good })),
        )
      ).status,
      400,
    );
    assert.equal((await call('GET', `/api/v1/publications/${reference}`, { authorization: `Bearer ${token}` })).json.state, 'awaiting-consent');
    assert.equal((await call('GET', `/api/v1/publications/${newStudyReference()}`, { authorization: `Bearer ${token}` })).status, 404);
    assert.equal(await onLedger(reference), undefined);
  });

  it('isl publish --remote: a workstation without the source key publishes through the gateway', async () => {
    const folder = join(work, 'remote');
    const study = studyOf(folder, 5);
    const isl = {
      profile: getTestConsortium().layout.connectionProfile,
      org: org.mspId,
      env: { ISL_WALLET: join(work, 'cli-patient.json'), ISL_WALLET_PASSPHRASE: 'cli patient passphrase' },
    };
    await runIsl(['wallet', 'create'], isl);
    const stagedBefore = await uploads('staged');
    const published = (await runIsl(['publish', folder, '--remote'], isl)) as {
      reference: string;
      source: string;
      patientKeyId: string;
      instances: number;
      transactionId: string;
    };
    assert.deepEqual([published.source, published.instances], [sourceId, 5]);
    assert.match(published.transactionId, /^[0-9a-f]{64}$/);
    const record = await onLedger(published.reference);
    assert.equal(record?.patient, published.patientKeyId);
    assert.equal(new StudyStore(paths.studies).byUid(study.uid)?.reference, published.reference);
    assert.equal(await uploads('staged'), stagedBefore + 1, 'the study went through the gateway');
  });

  it('withdraws a study still awaiting consent, and refuses to withdraw a published one', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const study = studyOf(join(work, 'withdrawn'), 2);
    const staged = await upload(study.files);
    const reference = staged.json.reference as string;
    assert.equal((await call('DELETE', `/api/v1/publications/${reference}`, auth)).status, 204);
    assert.equal((await call('GET', `/api/v1/publications/${reference}`, auth)).status, 404);
    const key = await patient!.deriveKey('patient', await patient!.newStudyContext('patient'));
    const late = await consent(reference, await createStatement('PatientConsent', { source: sourceId, study: reference }, privateJwkOf(key), { audience }));
    assert.deepEqual([late.status, late.json.code], [404, 'PUBLICATION_NOT_FOUND'], 'a withdrawn study cannot be consented to');
    assert.equal(await onLedger(reference), undefined);
    // Uploaded again, it is a new publication with a new reference; the PACS already holds it.
    const again = await upload(study.files);
    assert.deepEqual([again.status, again.json.stored], [201, 0]);
    assert.notEqual(again.json.reference, reference);

    assert.equal((await call('DELETE', `/api/v1/publications/${newStudyReference()}`, auth)).status, 404);
    assert.ok(publishedReference, 'the first test published a study');
    const refused = await call('DELETE', `/api/v1/publications/${publishedReference}`, auth);
    assert.deepEqual([refused.status, refused.json.code], [409, 'ALREADY_PUBLISHED']);
    assert.equal((await call('GET', `/api/v1/publications/${publishedReference}`, auth)).json.state, 'defined');
  });
});
