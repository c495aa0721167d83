import { strict as assert } from 'node:assert';
import { newNonce, newStudyReference } from '@isl/chaincode';
import { recipientKey, send, startImageSource, type Harness } from '../testing/image-source-harness';
import { GET_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';

const PORTAL = 'http://127.0.0.1:7050';
const ACCEPT = { accept: 'multipart/related; type="application/dicom"' };

/** CORS at the image source: the consortium's portals may call WADO-RS from a browser, nobody else (issue 16). */
describe('image source CORS for the portals (real HTTPS, fake ledger and PACS)', function () {
  this.timeout(30_000);
  let h: Harness;
  let granted: RecipientSigningKey;
  const study = newStudyReference();
  const preflight = (origin: string, path = `/studies/${study}`, method = 'GET'): ReturnType<typeof send> =>
    send(h, 'OPTIONS', path, {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'isl-recipient-key, signature, signature-input',
    });

  before(async () => {
    h = await startImageSource({ portalOrigins: [PORTAL] });
    granted = await recipientKey();
    h.release.grant(study, granted.keyId);
  });
  after(() => h.close());

  it("answers a portal's preflight for WADO-RS with the headers a signed request needs", async () => {
    const a = await preflight(PORTAL);
    assert.equal(a.status, 204);
    assert.equal(a.headers['access-control-allow-origin'], PORTAL);
    assert.equal(a.headers['access-control-allow-methods'], 'GET');
    assert.match(String(a.headers['access-control-allow-headers']), /isl-recipient-key.*signature.*signature-input|signature.*isl-recipient-key/);
  });

  it('refuses preflights from any other origin, and for ITI-43 or any method but GET', async () => {
    for (const a of [
      await preflight('http://evil.example'),
      await preflight('http://127.0.0.1:7051'),
      await preflight(PORTAL, '/', 'POST'),
      await preflight(PORTAL, `/studies/${study}`, 'DELETE'),
    ]) {
      assert.equal(a.status, 403, a.body.toString());
      assert.equal(a.headers['access-control-allow-origin'], undefined);
    }
  });

  it("names the portal's origin on a signed release, and no origin for a stranger's page", async () => {
    const target = `${h.url}/studies/${study}`;
    const signed = (): Record<string, string> =>
      signRequest(granted, { method: 'GET', targetUri: target, headers: ACCEPT }, { nonce: newNonce(), components: GET_COMPONENTS });
    const fromPortal = await send(h, 'GET', `/studies/${study}`, { ...ACCEPT, ...signed(), origin: PORTAL });
    assert.equal(fromPortal.status, 200);
    assert.equal(fromPortal.headers['access-control-allow-origin'], PORTAL);
    const fromStranger = await send(h, 'GET', `/studies/${study}`, { ...ACCEPT, ...signed(), origin: 'http://evil.example' });
    assert.equal(fromStranger.headers['access-control-allow-origin'], undefined, 'a stranger page cannot read the answer');
  });

  it('offers no CORS at all when no portal origin is configured', async () => {
    const plain = await startImageSource();
    try {
      const a = await send(plain, 'OPTIONS', `/studies/${study}`, { origin: PORTAL, 'access-control-request-method': 'GET' });
      assert.equal(a.status, 403);
      assert.equal(a.headers['access-control-allow-origin'], undefined);
    } finally {
      await plain.close();
    }
  });
});
