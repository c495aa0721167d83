import assert from 'node:assert/strict';
import { audienceFor, createStatement, generateStatementKey, newStudyReference, thumbprint, verifyStatement } from '@isl/chaincode';
import { GrantSigner } from './grant-signer';

describe('growth: GrantSigner (Node crypto)', () => {
  const audience = audienceFor('imaging', 'isl');

  it('signs an AllowAccess the chaincode verifies, with the claims asked for', async () => {
    const { privateJwk } = await generateStatementKey('ES256');
    const signer = await GrantSigner.of(privateJwk, audience);
    const fields = { source: newStudyReference(), study: newStudyReference(), recipient: newStudyReference(), until: 2_000_000_000 };
    const jws = signer.allowAccess(fields, 1_900_000_000);
    const s = await verifyStatement(jws, 'AllowAccess', { audience, nowMs: 1_900_000_100_000 });
    assert.equal(s.signer, await thumbprint(privateJwk));
    assert.deepEqual(
      { source: s.claims.source, study: s.claims.study, recipient: s.claims.recipient, until: s.claims.until, purpose: s.claims.purpose },
      { ...fields, purpose: 'TREAT' },
    );
    assert.equal(s.claims.exp - s.claims.iat, 300);
  });

  it("writes createStatement's protected header, and a fresh nonce per statement", async () => {
    const { privateJwk } = await generateStatementKey('ES256');
    const signer = await GrantSigner.of(privateJwk, audience);
    const fields = { source: newStudyReference(), study: newStudyReference(), recipient: newStudyReference(), until: 2_000_000_000 };
    const jose = await createStatement('AllowAccess', { ...fields, purpose: 'TREAT' }, privateJwk, { audience });
    const [a, b] = [signer.allowAccess(fields), signer.allowAccess(fields)];
    assert.equal(a.split('.')[0], jose.split('.')[0]);
    assert.notEqual(a.split('.')[1], b.split('.')[1]);
  });

  it('refuses a key it cannot sign ES256 with', async () => {
    const { privateJwk, publicJwk } = await generateStatementKey('EdDSA');
    await assert.rejects(GrantSigner.of(privateJwk, audience), /P-256/);
    const es = await generateStatementKey('ES256');
    await assert.rejects(GrantSigner.of(es.publicJwk, audience), /P-256 private/);
    assert.ok(publicJwk);
  });

  it('fails verification when the statement is altered (the signature covers header and payload)', async () => {
    const { privateJwk } = await generateStatementKey('ES256');
    const signer = await GrantSigner.of(privateJwk, audience);
    const jws = signer.allowAccess(
      { source: newStudyReference(), study: newStudyReference(), recipient: newStudyReference(), until: 2_000_000_000 },
      1_900_000_000,
    );
    const [h, , sig] = jws.split('.');
    const other = signer.allowAccess(
      { source: newStudyReference(), study: newStudyReference(), recipient: newStudyReference(), until: 2_000_000_000 },
      1_900_000_000,
    );
    await assert.rejects(verifyStatement(`${String(h)}.${String(other.split('.')[1])}.${String(sig)}`, 'AllowAccess', { audience, nowMs: 1_900_000_100_000 }));
  });
});
