import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStatement } from '@isl/chaincode';
import { Wallet, WalletStore } from '../wallet';
import { GET_COMPONENTS, verifySignature } from '../wire/http-signature';
// The portal's browser code, run here on Node's WebCrypto (the same Web Crypto API the browser has).
import { deriveKey, type Alg, type Purpose, type Role } from '../../../portal/src/crypto/keys';
import { decodeRecoveryCode, RecoveryCodeError } from '../../../portal/src/crypto/recovery-code';
import { signedGetHeaders, wadoStudyUri } from '../../../portal/src/crypto/request-signature';
import { findRecoveryKey } from '../../../portal/src/crypto/rotation';
import { signStatement } from '../../../portal/src/crypto/statement';
import { BrowserWallet } from '../../../portal/src/crypto/wallet';
import { WalletFileError } from '../../../portal/src/crypto/wallet-file';

const FAST = { N: 2 ** 15, r: 8, p: 1 };
const AUDIENCE = 'isl:imaging/isl';
/** docs/wallet.md, "Test vectors". */
const SECRET = Uint8Array.from(Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'));
const RECOVERY_CODE = '04002-0G30G-2GC1R-81450-P30D1-R7H04-8J2CA-1A5GQ-30CHM-6RW3M-F1Z0X-G6N60';
const VECTORS: readonly [Role, Purpose, Alg, string, string][] = [
  ['patient', 'study', 'ES256', 'SaVX9712UYQlCH_PuCyB24prY0lfGfHy_eVwPmNCD9E', '_Jo85hVyFdvVVizAawKfeuGBf7HIW5-VsJ-0NdPCkig'],
  ['patient', 'study', 'EdDSA', 'mBEbDdT1URKqXU3_uahP2kn7oXjTqxIgdDeBwV3x51A', 'KrEMp6f9HhhxuwTCBaJugJJ7QCU6umqa9sQxVvh77GE'],
  ['patient', 'recovery', 'ES256', 'zbrDCP3eL8cMILtNeQ0Spl5cYnEt08ud74krj4WF7LY', 'n_lVaZ-s82fVBVbjNDgzcEyMdudPOC8NJ5tplAoCD5w'],
  ['recipient', 'study', 'EdDSA', 'O1XuNyb2A0lq3D19FqUh5VBl2gpzHkxKqa86qkw9X1c', 'GqmESy7TbXb8b2rOXmwvLFv-LqPJ5hd8YXlrf2QIU1Y'],
];

/** The portal's crypto against the normative docs and the project's own implementations (issue 16). */
describe("the portal's browser crypto interoperates with the isl wallet, the chaincode and the image source", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-browser-crypto-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("derives docs/wallet.md's test vectors", async () => {
    for (const [role, purpose, alg, keyId, x] of VECTORS) {
      const key = await deriveKey(SECRET.slice(), role, purpose, 'study-1', alg);
      assert.equal(key.keyId, keyId, `${role}/${purpose}/${alg}`);
      assert.equal(key.publicJwk.x, x);
    }
  });

  it('opens a wallet file the isl CLI wrote, with the same keys; a wrong passphrase is WRONG_PASSPHRASE', async () => {
    const path = join(dir, 'cli.json');
    const cli = await Wallet.create(new WalletStore({ path }), 'a cli passphrase', { scrypt: FAST });
    const context = await cli.newStudyContext('patient');
    const cliKey = await cli.deriveKey('patient', context);
    cli.close();
    const text = readFileSync(path, 'utf8');
    const browser = await BrowserWallet.open(text, 'a cli passphrase');
    const record = browser.records.find((r) => r.keyId === cliKey.keyId);
    assert.ok(record, 'the index came across');
    assert.equal((await browser.key(record)).keyId, cliKey.keyId);
    await assert.rejects(BrowserWallet.open(text, 'not it'), (e: unknown) => e instanceof WalletFileError && e.code === 'WRONG_PASSPHRASE');
  });

  it('writes a wallet file the isl CLI opens, with the same keys', async () => {
    const browser = await BrowserWallet.create('a browser passphrase', FAST);
    const key = await browser.newKey('recipient');
    const path = join(dir, 'browser.json');
    writeFileSync(path, browser.text, { mode: 0o600 });
    const cli = await Wallet.open(new WalletStore({ path }), 'a browser passphrase');
    assert.equal((await cli.keyById(key.keyId)).keyId, key.keyId);
    assert.equal(cli.labels[0]?.path, 'isl/v1/recipient/study/study-1/ES256');
    cli.close();
  });

  it('signs statements the chaincode verifies (ES256 and EdDSA)', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const key = await deriveKey(SECRET.slice(), 'patient', 'study', 'study-2', alg);
      const fields = {
        source: VECTORS[0]![3],
        study: VECTORS[1]![3],
        recipient: VECTORS[2]![3],
        until: Math.floor(Date.now() / 1000) + 3600,
        purpose: 'TREAT',
      };
      const jws = await signStatement('AllowAccess', fields, key, AUDIENCE);
      const verified = await verifyStatement(jws, 'AllowAccess', { audience: AUDIENCE, nowMs: Date.now() });
      assert.equal(verified.claims.iss, key.keyId);
      assert.equal(verified.claims.recipient, fields.recipient);
    }
  });

  it('signs WADO-RS requests the image source verifies (RFC 9421, canonical @target-uri)', async () => {
    const target = wadoStudyUri('https://127.0.0.1:7060', VECTORS[0]![3]);
    assert.equal(target, `https://127.0.0.1:7060/studies/${VECTORS[0]![3]}`);
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const key = await deriveKey(SECRET.slice(), 'recipient', 'study', 'study-3', alg);
      const headers = { accept: 'multipart/related; type="application/dicom"', ...(await signedGetHeaders(key, target)) };
      const verified = await verifySignature({ method: 'GET', targetUri: target, headers }, { requiredComponents: GET_COMPONENTS, seen: () => false });
      assert.equal(verified.keyId, key.keyId);
      await assert.rejects(
        verifySignature({ method: 'GET', targetUri: `${target}x`, headers }, { requiredComponents: GET_COMPONENTS, seen: () => false }),
        /signature/i,
        'bound to the study it names',
      );
    }
  });

  it("reads docs/wallet.md's recovery code, refuses a typo, and finds the lost wallet's recovery key by its id", async () => {
    assert.deepEqual(Buffer.from(await decodeRecoveryCode(RECOVERY_CODE.toLowerCase().replace(/0/g, 'o'))), Buffer.from(SECRET));
    await assert.rejects(decodeRecoveryCode(RECOVERY_CODE.replace('0G30G', '0G31G')), RecoveryCodeError);
    const found = await findRecoveryKey(SECRET.slice(), VECTORS[2]![3]);
    assert.equal(found?.keyId, VECTORS[2]![3]);
    assert.equal(await findRecoveryKey(SECRET.slice(), VECTORS[0]![3]), undefined, 'a study key is not a recovery key');
  });

  it('moves a study to a new wallet: RotateOwnerKey verifies, and the CLI sees the new keys bound to the study', async () => {
    const old = await findRecoveryKey(SECRET.slice(), VECTORS[2]![3]);
    assert.ok(old);
    const browser = await BrowserWallet.create('a new wallet passphrase', FAST);
    const keys = await browser.newPatientKeys();
    const study = VECTORS[3]![3];
    const jws = await signStatement('RotateOwnerKey', { source: VECTORS[1]![3], study, patient: keys.key.keyId, recovery: keys.recovery.keyId }, old, AUDIENCE);
    const verified = await verifyStatement(jws, 'RotateOwnerKey', { audience: AUDIENCE, nowMs: Date.now() });
    assert.equal(verified.claims.patient, keys.key.keyId);
    await browser.bindStudy(keys.context, study);
    const path = join(dir, 'moved.json');
    writeFileSync(path, browser.text, { mode: 0o600 });
    const cli = await Wallet.open(new WalletStore({ path }), 'a new wallet passphrase');
    assert.deepEqual(
      cli.labels.map((r) => [r.purpose, r.keyId, r.studyRef]),
      [
        ['study', keys.key.keyId, study],
        ['recovery', keys.recovery.keyId, study],
      ],
    );
    assert.equal((await cli.recoveryKey(keys.context)).keyId, keys.recovery.keyId);
    cli.close();
  });
});
