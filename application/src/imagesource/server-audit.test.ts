import { strict as assert } from 'node:assert';
import { newNonce, newStudyReference } from '@isl/chaincode';
import type { AuditRecord } from '../atna/audit-message';
import { recipientKey, send, startImageSource, type Harness } from '../testing/image-source-harness';
import { GET_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';

const ACCEPT = { accept: 'multipart/related; type="application/dicom"' };

describe('image source audit events (IHE ITI-20): releases, refusals, failed authentications', function () {
  this.timeout(30_000);
  let h: Harness;
  const recorded: AuditRecord[] = [];
  let granted: RecipientSigningKey;
  const study = newStudyReference();

  before(async () => {
    h = await startImageSource({ audit: { record: (r) => recorded.push(r) } });
    granted = await recipientKey();
    h.release.grant(study, granted.keyId);
  });
  after(() => h.close());
  beforeEach(() => {
    recorded.length = 0;
  });

  const get = (key: RecipientSigningKey, reference: string, headers: Record<string, string> = {}) => {
    const uri = `${h.url}/studies/${reference}`;
    const signed = signRequest(key, { method: 'GET', targetUri: uri, headers: ACCEPT }, { nonce: newNonce(), components: GET_COMPONENTS });
    return send(h, 'GET', `/studies/${reference}`, { ...ACCEPT, ...signed, ...headers });
  };
  const eventIds = (): string[] => recorded.map((r) => `${r.event.code}/${String(r.outcome)}`);

  it('a release is one DICOM Instances Transferred, success, naming the recipient key, its address and the study reference', async () => {
    const a = await get(granted, study);
    assert.equal(a.status, 200);
    assert.deepEqual(eventIds(), ['110104/0']);
    const [r] = recorded;
    assert.equal(r?.action, 'R');
    assert.deepEqual(
      r.participants.map((p) => [p.userId, p.requestor, p.role?.code, p.accessPoint?.id]),
      [
        [h.url, false, '110153', '127.0.0.1'],
        [granted.keyId, true, '110152', '127.0.0.1'],
      ],
    );
    assert.deepEqual(
      r.objects.map((o) => [o.id, o.idType.code]),
      [[study, 'study-reference']],
    );
  });

  it('a refused retrieval (no grant) is DICOM Instances Transferred with a minor failure and the reason, which the requester never sees', async () => {
    const stranger = await recipientKey();
    const a = await get(stranger, study);
    assert.equal(a.status, 404);
    assert.deepEqual(eventIds(), ['110104/4']);
    assert.equal(recorded[0]?.outcomeDescription, 'retrieval refused: NO_GRANT');
    assert.ok(!a.body.toString().includes('NO_GRANT'));
  });

  it('an unsigned request and a bad signature are each a failed User Authentication (Login), naming the key the request claimed', async () => {
    const unsigned = await send(h, 'GET', `/studies/${study}`, ACCEPT);
    assert.equal(unsigned.status, 401);
    const forged = await get(granted, study, { signature: 'sig1=:AAAA:' });
    assert.equal(forged.status, 401);
    assert.deepEqual(eventIds(), ['110114/4', '110114/4']);
    assert.deepEqual(
      recorded.map((r) => [r.types?.[0]?.code, r.participants[0]?.userId]),
      [
        ['110122', 'unauthenticated'],
        ['110122', granted.keyId],
      ],
    );
    assert.equal(h.release.released.filter((r) => r.recipient === granted.keyId).length, 1, 'only the first test released');
  });

  it('a replayed request is a failed authentication too', async () => {
    const uri = `${h.url}/studies/${study}`;
    const signed = signRequest(granted, { method: 'GET', targetUri: uri, headers: ACCEPT }, { nonce: newNonce(), components: GET_COMPONENTS });
    assert.equal((await send(h, 'GET', `/studies/${study}`, { ...ACCEPT, ...signed })).status, 200);
    assert.equal((await send(h, 'GET', `/studies/${study}`, { ...ACCEPT, ...signed })).status, 401);
    assert.deepEqual(eventIds(), ['110104/0', '110114/4']);
    assert.match(recorded[1]?.outcomeDescription ?? '', /replayed/);
  });
});
