import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { generateStatementKey, newNonce, newStudyReference, thumbprint } from '@isl/chaincode';
import { ENCRYPTION_HEADER, ENCRYPTION_SCHEME } from '../encryption/release-sealer';
import { retrieveStudy, RetrievalRefused } from '../retrieval/retrieve-client';
import { recipientKey, send, startImageSource, type Answer, type Harness } from '../testing/image-source-harness';
import * as httpSignature from '../wire/http-signature';
import { GET_COMPONENTS, POST_COMPONENTS, signRequest, contentDigest, type RecipientSigningKey } from '../wire/http-signature';
import { retrieveRequestEnvelope } from '../wire/iti43';
import { mtomMessage } from '../wire/mtom';
import { imagingDocumentSetRequestEnvelope, RAD69_ACTION, retrieveLocationUid } from '../wire/rad69';

/** The Study Instance UID the harness's PACS gives the study (its manifest names it; RAD-69 asks by it). */
const STUDY_UID = '1.2.99';
const ENCRYPTED_ACCEPT = { accept: 'multipart/related; type="application/vnd.isl.encrypted-dicom"' };

function encryptedGet(
  h: Harness,
  key: RecipientSigningKey,
  study: string,
  scheme = ENCRYPTION_SCHEME,
  components: readonly string[] = [...GET_COMPONENTS, ENCRYPTION_HEADER],
): Promise<Answer> {
  const headers = { ...ENCRYPTED_ACCEPT, [ENCRYPTION_HEADER]: scheme };
  const signed = signRequest(key, { method: 'GET', targetUri: `${h.url}/studies/${study}`, headers }, { nonce: newNonce(), components });
  return send(h, 'GET', `/studies/${study}`, { ...headers, ...signed });
}

function encryptedIti43(h: Harness, key: RecipientSigningKey, study: string, scheme: string, content: 'instances' | 'manifest' = 'instances'): Promise<Answer> {
  const envelope = retrieveRequestEnvelope(
    `${h.url}/`,
    'urn:uuid:7d1c6a0e-0b8f-4a57-9d0e-3f7e0c2b9a11',
    [{ repositoryUniqueId: currentSourceId, documentUniqueId: study }],
    content,
  );
  const { contentType, body } = mtomMessage(envelope, { action: 'urn:ihe:iti:2007:RetrieveDocumentSet' });
  const headers = { 'content-type': contentType, 'content-digest': contentDigest(body), [ENCRYPTION_HEADER]: scheme };
  const signed = signRequest(
    key,
    { method: 'POST', targetUri: `${h.url}/`, headers },
    { nonce: newNonce(), components: [...POST_COMPONENTS, ENCRYPTION_HEADER] },
  );
  return send(h, 'POST', '/', { ...headers, ...signed }, body);
}

/** The harness source's id (thumbprint of its key), set in before(). */
let currentSourceId = '';

const errorOf = (a: Answer): string => (JSON.parse(a.body.toString()) as { error: string }).error;

describe('image source server: encrypted releases (real HTTPS, fake ledger and PACS)', function () {
  this.timeout(30_000);
  let h: Harness;
  let plain: Harness;
  let es256: RecipientSigningKey;
  let eddsa: RecipientSigningKey;
  const study = newStudyReference();

  before(async () => {
    const { privateJwk } = await generateStatementKey('ES256');
    currentSourceId = await thumbprint(privateJwk);
    h = await startImageSource({ sourceId: currentSourceId, sourceKey: privateJwk });
    h.release.studyUids.set(STUDY_UID, study);
    plain = await startImageSource();
    es256 = await recipientKey('ES256');
    eddsa = await recipientKey('EdDSA');
    for (const k of [es256, eddsa]) {
      h.release.grant(study, k.keyId);
      plain.release.grant(study, k.keyId);
    }
  });
  after(async () => {
    sinon.restore();
    await h.close();
    await plain.close();
  });

  for (const protocol of ['wado-rs', 'iti43'] as const) {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      it(`${protocol}, ${alg} recipient: the client decrypts each instance to the bytes the source read, and the release is recorded as encrypted`, async () => {
        const key = alg === 'ES256' ? es256 : eddsa;
        const out = mkdtempSync(join(tmpdir(), 'isl-e2e-server-'));
        try {
          const before = h.release.released.length;
          // Fake instances are not DICOM: the client's final check fails after decryption; the files are what was decrypted.
          await assert.rejects(
            retrieveStudy({ url: h.url, sourceId: currentSourceId, study, key, protocol, ca: [h.ca], outDir: out, encrypted: true }),
            /not a DICOM/,
          );
          const files = readdirSync(out).sort();
          assert.deepEqual(
            files.map((f) => readFileSync(join(out, f), 'utf8')),
            [`DICM:${study}-1`, `DICM:${study}-2`],
          );
          assert.deepEqual(h.release.released.slice(before), [{ study, recipient: key.keyId, size: 2 * `DICM:${study}-1`.length, encrypted: true }]);
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });
    }
  }

  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`xds-i, ${alg} recipient: the manifest comes in plaintext, the RAD-69 answer encrypted; the client decrypts it and both releases are recorded as they left`, async () => {
      const key = alg === 'ES256' ? es256 : eddsa;
      const out = mkdtempSync(join(tmpdir(), 'isl-e2e-server-'));
      try {
        const before = h.release.released.length;
        await assert.rejects(
          retrieveStudy({ url: h.url, sourceId: currentSourceId, study, key, protocol: 'xds-i', ca: [h.ca], outDir: out, encrypted: true }),
          /not a DICOM/,
        );
        assert.deepEqual(
          readdirSync(out)
            .sort()
            .map((f) => readFileSync(join(out, f), 'utf8')),
          [`DICM:${study}-1`, `DICM:${study}-2`],
        );
        const [manifest, instances, ...more] = h.release.released.slice(before);
        assert.deepEqual(more, []);
        assert.deepEqual({ ...manifest, size: 0 }, { study, recipient: key.keyId, size: 0, encrypted: false });
        assert.deepEqual(instances, { study, recipient: key.keyId, size: 2 * `DICM:${study}-1`.length, encrypted: true });
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  }

  it('RAD-69 asked for encryption answers only ciphertext attachments, typed as encrypted', async () => {
    const envelope = imagingDocumentSetRequestEnvelope(`${h.url}/rad69`, 'urn:uuid:0b7f3c2e-6a8d-4e1f-9c5b-2d4a6e8f0a13', {
      studies: [
        {
          studyInstanceUid: STUDY_UID,
          series: [
            {
              seriesInstanceUid: '1.3',
              documents: ['1.2.1', '1.2.2'].map((d) => ({ repositoryUniqueId: retrieveLocationUid(currentSourceId), documentUniqueId: d })),
            },
          ],
        },
      ],
      transferSyntaxes: ['1.2.840.10008.1.2.1'],
    });
    const { contentType, body } = mtomMessage(envelope, { action: RAD69_ACTION });
    const headers = { 'content-type': contentType, 'content-digest': contentDigest(body), [ENCRYPTION_HEADER]: ENCRYPTION_SCHEME };
    const signed = signRequest(
      es256,
      { method: 'POST', targetUri: `${h.url}/rad69`, headers },
      { nonce: newNonce(), components: [...POST_COMPONENTS, ENCRYPTION_HEADER] },
    );
    const a = await send(h, 'POST', '/rad69', { ...headers, ...signed }, body);
    assert.equal(a.status, 200);
    const text = a.body.toString('latin1');
    assert.equal(text.match(/<xdsb:mimeType>application\/vnd\.isl\.encrypted-dicom<\/xdsb:mimeType>/g)?.length, 2);
    assert.equal(text.match(/Content-Type: application\/vnd\.isl\.encrypted-dicom/g)?.length, 2);
    assert.equal(text.match(/ISL-E2E1/g)?.length, 2);
    assert.ok(!text.includes(`DICM:${study}`), 'no instance byte in plaintext');
  });

  it('refuses an ITI-43 request for the manifest that asks for encryption (the manifest is never encrypted): ENCRYPTION_UNSUPPORTED, nothing released', async () => {
    const released = h.release.released.length;
    const asked = h.release.authorisations;
    const a = await encryptedIti43(h, es256, study, ENCRYPTION_SCHEME, 'manifest');
    assert.equal(a.status, 400);
    assert.match(a.body.toString(), /wsse:UnsupportedAlgorithm/);
    assert.match(a.body.toString(), /ENCRYPTION_UNSUPPORTED: a manifest is not released encrypted/);
    assert.equal(h.release.released.length, released);
    assert.equal(h.release.authorisations, asked);
  });

  it('the answer carries no plaintext: the instances travel only as ciphertext', async () => {
    const a = await encryptedGet(h, es256, study);
    assert.equal(a.status, 200);
    assert.equal(a.headers[ENCRYPTION_HEADER], ENCRYPTION_SCHEME);
    assert.match(String(a.headers['content-type']), /type="application\/vnd\.isl\.encrypted-dicom"/);
    assert.ok(!a.body.includes(`DICM:${study}`), 'no instance byte in plaintext');
    assert.ok(a.body.includes('ISL-E2E1'));
  });

  it('refuses an unsupported scheme with ENCRYPTION_UNSUPPORTED before the grant check, over both protocols; nothing is released', async () => {
    const released = h.release.released.length;
    const asked = h.release.authorisations;
    const wado = await encryptedGet(h, es256, study, 'pgp');
    assert.equal(wado.status, 400);
    assert.equal(errorOf(wado), 'ENCRYPTION_UNSUPPORTED');
    const iti = await encryptedIti43(h, es256, study, 'isl-e2e-v2');
    assert.equal(iti.status, 400);
    assert.match(iti.body.toString(), /wsse:UnsupportedAlgorithm/);
    assert.match(iti.body.toString(), /ENCRYPTION_UNSUPPORTED/);
    assert.equal(h.release.released.length, released);
    assert.equal(h.release.authorisations, asked);
  });

  it('refuses an encryption request its signature does not cover (a proxy could strip it): 401, nothing released', async () => {
    const released = h.release.released.length;
    const a = await encryptedGet(h, es256, study, ENCRYPTION_SCHEME, GET_COMPONENTS);
    assert.equal(a.status, 401);
    assert.match(a.body.toString(), /must cover isl-encryption/);
    assert.equal(h.release.released.length, released);
  });

  it('a source without a signing key for headers refuses encryption with ENCRYPTION_UNSUPPORTED, never answers plaintext', async () => {
    const a = await encryptedGet(plain, es256, study);
    assert.equal(a.status, 400);
    assert.equal(errorOf(a), 'ENCRYPTION_UNSUPPORTED');
    assert.ok(!a.body.includes('DICM'));
    await assert.rejects(
      retrieveStudy({
        url: plain.url,
        sourceId: currentSourceId,
        study,
        key: es256,
        protocol: 'wado-rs',
        ca: [plain.ca],
        outDir: mkdtempSync(join(tmpdir(), 'isl-e2e-')),
        encrypted: true,
      }),
      (err: unknown) => err instanceof RetrievalRefused && err.code === 'ENCRYPTION_UNSUPPORTED',
    );
    assert.equal(plain.release.released.length, 0);
  });

  it('answers ENCRYPTION_KEY_UNUSABLE before any byte of the release for a recipient key no content key can be wrapped to', async () => {
    // Node refuses signatures by small-order Ed25519 keys, so the signature check is stubbed to present one, as a laxer verifier might.
    const verify = httpSignature.verifySignature;
    sinon.stub(httpSignature, 'verifySignature').callsFake(async (request, options) => {
      const real = await verify(request, options);
      return { ...real, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: '7P____________________________________________8' } };
    });
    try {
      const released = h.release.released.length;
      const asked = h.release.authorisations;
      const wado = await encryptedGet(h, eddsa, study);
      assert.equal(wado.status, 400);
      assert.equal(errorOf(wado), 'ENCRYPTION_KEY_UNUSABLE');
      const iti = await encryptedIti43(h, eddsa, study, ENCRYPTION_SCHEME);
      assert.equal(iti.status, 400);
      assert.match(iti.body.toString(), /wsse:InvalidSecurityToken/);
      assert.match(iti.body.toString(), /ENCRYPTION_KEY_UNUSABLE/);
      assert.equal(h.release.released.length, released, 'nothing was released');
      assert.equal(h.release.authorisations, asked, 'refused before the grant check');
    } finally {
      sinon.restore();
    }
  });
});
