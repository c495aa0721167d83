import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { newNonce, newStudyReference } from '@isl/chaincode';
import type { AuditRecord } from '../atna/audit-message';
import { readKosManifest } from '../pacs/kos-reader';
import { recipientKey, send, startImageSource, type Answer, type Harness } from '../testing/image-source-harness';
import { contentDigest, POST_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { ACTION, retrieveRequestEnvelope } from '../wire/iti43';
import { parseMediaType } from '../wire/media-type';
import { mtomMessage } from '../wire/mtom';
import { parseMultipartBuffer } from '../wire/multipart';
import { imagingDocumentSetRequestEnvelope, RAD69_ACTION, retrieveLocationUid } from '../wire/rad69';

const EVRLE = '1.2.840.10008.1.2.1';
const STUDY_UID = '1.2.99';
const SOURCE = 'source-under-test';

/** The parts of an MTOM answer: the envelope text, then each attachment. */
function partsOf(a: Answer): { envelope: string; attachments: Buffer[] } {
  const boundary = parseMediaType(a.headers['content-type'])?.params.get('boundary') ?? '';
  const [root, ...attachments] = parseMultipartBuffer(a.body, boundary);
  return { envelope: root?.body.toString('utf8') ?? '', attachments: attachments.map((p) => p.body) };
}

/** The answer with what differs between any two answers (MIME boundaries, Content-IDs, the references and UIDs asked for) blanked. */
const normalised = (a: Answer, ...names: string[]): string =>
  names
    .reduce((s, n) => s.replaceAll(n, 'X'), a.body.toString('latin1'))
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'U')
    .replace(/isl-[0-9a-f]{32}/g, 'B');

describe('XDS-I.b at the image source: ITI-43 answers the manifest, RAD-69 the instances (real HTTPS, fake ledger and PACS)', function () {
  this.timeout(30_000);
  let h: Harness;
  let granted: RecipientSigningKey;
  const study = newStudyReference();
  const location = retrieveLocationUid(SOURCE);

  const post = (key: RecipientSigningKey, path: string, envelope: string, action: string): Promise<Answer> => {
    const { contentType, body } = mtomMessage(envelope, { action });
    const headers = { 'content-type': contentType, 'content-digest': contentDigest(body) };
    const signed = signRequest(key, { method: 'POST', targetUri: `${h.url}${path}`, headers }, { nonce: newNonce(), components: POST_COMPONENTS });
    return send(h, 'POST', path, { ...headers, ...signed }, body);
  };
  const iti43 = (key: RecipientSigningKey, ref: string): Promise<Answer> =>
    post(key, '/', retrieveRequestEnvelope(`${h.url}/`, `urn:uuid:${randomUUID()}`, [{ repositoryUniqueId: SOURCE, documentUniqueId: ref }]), ACTION);
  const rad69 = (
    key: RecipientSigningKey,
    studyUid: string,
    documents: readonly string[],
    options: { readonly series?: string; readonly repository?: string; readonly transferSyntaxes?: readonly string[] } = {},
  ): Promise<Answer> =>
    post(
      key,
      '/rad69',
      imagingDocumentSetRequestEnvelope(`${h.url}/rad69`, `urn:uuid:${randomUUID()}`, {
        studies: [
          {
            studyInstanceUid: studyUid,
            series: [
              {
                seriesInstanceUid: options.series ?? '1.3',
                documents: documents.map((d) => ({ repositoryUniqueId: options.repository ?? location, documentUniqueId: d })),
              },
            ],
          },
        ],
        transferSyntaxes: options.transferSyntaxes ?? [EVRLE],
      }),
      RAD69_ACTION,
    );

  const audited: AuditRecord[] = [];

  before(async () => {
    h = await startImageSource({ audit: { record: (r) => audited.push(r) } });
    granted = await recipientKey();
    h.release.grant(study, granted.keyId);
    h.release.studyUids.set(STUDY_UID, study);
  });
  after(() => h.close());

  it('ITI-43 without isl:DocumentContent answers one DocumentResponse: the study’s KOS manifest, naming every instance and this source', async () => {
    const before = h.release.released.length;
    const a = await iti43(granted, study);
    assert.equal(a.status, 200);
    const { envelope, attachments } = partsOf(a);
    assert.match(envelope, /ResponseStatusType:Success/);
    assert.equal(envelope.match(/<xdsb:DocumentResponse>/g)?.length, 1);
    assert.match(envelope, new RegExp(`<xdsb:DocumentUniqueId>${study}</xdsb:DocumentUniqueId><xdsb:mimeType>application/dicom</xdsb:mimeType>`));
    assert.equal(attachments.length, 1);
    const manifest = readKosManifest(attachments[0] ?? Buffer.alloc(0));
    assert.deepEqual(manifest, {
      studyInstanceUid: STUDY_UID,
      series: [
        {
          seriesInstanceUid: '1.3',
          retrieveLocationUid: location,
          instances: ['1.2.1', '1.2.2'].map((u) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: u })),
        },
      ],
    });
    // The manifest is a disclosure too: it names the patient and the study.
    assert.deepEqual(h.release.released.slice(before), [{ study, recipient: granted.keyId, size: attachments[0]?.length, encrypted: false }]);
  });

  it('RAD-69 returns the instances asked for, byte for byte, and records the release', async () => {
    const before = h.release.released.length;
    const a = await rad69(granted, STUDY_UID, ['1.2.2']);
    assert.equal(a.status, 200);
    const { envelope, attachments } = partsOf(a);
    assert.match(envelope, /<wsa:Action env:mustUnderstand="true">urn:ihe:iti:2007:RetrieveDocumentSetResponse<\/wsa:Action>/);
    assert.match(envelope, /ResponseStatusType:Success/);
    assert.match(envelope, new RegExp(`<xdsb:RepositoryUniqueId>${location}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.2</xdsb:DocumentUniqueId>`));
    assert.deepEqual(
      attachments.map((b) => b.toString()),
      [`DICM:${study}-2`],
    );
    assert.deepEqual(h.release.released.slice(before), [{ study, recipient: granted.keyId, size: `DICM:${study}-2`.length, encrypted: false }]);
  });

  it('under a break-glass lease instead of a grant, the manifest (ITI-43) and the instances (RAD-69) are disclosed naming the lease, and each is audited', async () => {
    const clinician = await recipientKey();
    const lease = `breakglass/${'L'.repeat(43)}`;
    h.release.leases.set(`${study} ${clinician.keyId}`, lease);
    const before = h.release.released.length;
    audited.length = 0;
    const manifest = await iti43(clinician, study);
    assert.equal(manifest.status, 200);
    const instances = await rad69(clinician, STUDY_UID, ['1.2.1', '1.2.2']);
    assert.equal(instances.status, 200);
    assert.deepEqual(h.release.released.slice(before), [
      { study, recipient: clinician.keyId, size: partsOf(manifest).attachments[0]?.length, encrypted: false, breakGlass: lease },
      { study, recipient: clinician.keyId, size: `DICM:${study}-1DICM:${study}-2`.length, encrypted: false, breakGlass: lease },
    ]);
    assert.deepEqual(
      audited.map((r) => [r.event.code, r.outcome, r.participants.find((p) => p.requestor)?.userId]),
      [
        ['110104', 0, clinician.keyId],
        ['110104', 0, clinician.keyId],
      ],
      'the manifest release is a DICOM Instances Transferred like the instances',
    );
    assert.match(audited[0]?.outcomeDescription ?? '', /^released the manifest, \d+ bytes/);
  });

  it('RAD-69: an instance not in the named series, or not in the study, is XDSDocumentUniqueIdError (PartialSuccess)', async () => {
    const a = partsOf(await rad69(granted, STUDY_UID, ['1.2.1', '1.2.77']));
    assert.match(a.envelope, /ResponseStatusType:PartialSuccess/);
    assert.match(a.envelope, /errorCode="XDSDocumentUniqueIdError" codeContext="Document 1.2.77 is not available" location="1.2.77"/);
    assert.equal(a.attachments.length, 1);
    const other = partsOf(await rad69(granted, STUDY_UID, ['1.2.1'], { series: '1.4' }));
    assert.match(other.envelope, /ResponseStatusType:Failure/);
    assert.match(other.envelope, /errorCode="XDSDocumentUniqueIdError"/);
    assert.equal(other.attachments.length, 0);
  });

  it('RAD-69: another repository is XDSUnknownRepositoryId; a transfer syntax not asked for is urn:dicom:wado:0007 (nothing transcoded)', async () => {
    const repo = partsOf(await rad69(granted, STUDY_UID, ['1.2.1'], { repository: SOURCE }));
    assert.match(repo.envelope, new RegExp(`errorCode="XDSUnknownRepositoryId" codeContext="[^"]*" location="${SOURCE}"`));
    const ts = partsOf(await rad69(granted, STUDY_UID, ['1.2.1'], { transferSyntaxes: ['1.2.840.10008.1.2.4.50'] }));
    assert.match(ts.envelope, /errorCode="urn:dicom:wado:0007"/);
    assert.equal(ts.attachments.length, 0);
  });

  it('unknown and ungranted studies get the same answers, over ITI-43 and RAD-69, and nothing is released', async () => {
    const stranger = await recipientKey();
    const before = h.release.released.length;
    const unknown = newStudyReference();
    const [ia, ib] = [await iti43(stranger, unknown), await iti43(stranger, study)];
    assert.equal(ia.status, ib.status);
    assert.equal(normalised(ia, unknown, study), normalised(ib, unknown, study));
    assert.match(ia.body.toString(), /errorCode="XDSDocumentUniqueIdError"/);
    const [ra, rb] = [await rad69(stranger, '1.2.12345', ['1.2.1']), await rad69(stranger, STUDY_UID, ['1.2.1'])];
    assert.equal(ra.status, 200);
    assert.equal(normalised(ra), normalised(rb));
    assert.match(ra.body.toString(), /ResponseStatusType:Failure.*errorCode="XDSDocumentUniqueIdError"/s);
    assert.equal(h.release.released.length, before);
  });

  it('RAD-69 requests are signed like ITI-43: unsigned is a wsse fault (401), a replay is refused', async () => {
    const { contentType, body } = mtomMessage(
      imagingDocumentSetRequestEnvelope(`${h.url}/rad69`, 'urn:uuid:1', {
        studies: [
          { studyInstanceUid: STUDY_UID, series: [{ seriesInstanceUid: '1.3', documents: [{ repositoryUniqueId: location, documentUniqueId: '1.2.1' }] }] },
        ],
        transferSyntaxes: [EVRLE],
      }),
    );
    const unsigned = await send(h, 'POST', '/rad69', { 'content-type': contentType }, body);
    assert.equal(unsigned.status, 401);
    assert.match(unsigned.body.toString(), /wsse:InvalidSecurity/);
    const headers = { 'content-type': contentType, 'content-digest': contentDigest(body) };
    const signed = {
      ...headers,
      ...signRequest(granted, { method: 'POST', targetUri: `${h.url}/rad69`, headers }, { nonce: newNonce(), components: POST_COMPONENTS }),
    };
    assert.equal((await send(h, 'POST', '/rad69', signed, body)).status, 200);
    const replay = await send(h, 'POST', '/rad69', signed, body);
    assert.equal(replay.status, 401);
    assert.match(replay.body.toString(), /wsse:FailedAuthentication/);
    assert.equal((await send(h, 'GET', '/rad69')).status, 405);
  });
});
