import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement, newStudyReference, verifyStatement } from '@isl/chaincode';

import { deriveSigningKey } from './derivation';
import { privateJwkOf } from './signing-key';
import { isWalletError, type WalletErrorCode } from './errors';
import { decodeRecoveryCode } from './recovery-code';
import type { ScryptParams } from './seal';
import { Wallet } from './wallet';
import { WalletStore } from './wallet-store';

const FAST: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const options = { scrypt: FAST, now: () => new Date('2025-01-02T03:04:05Z') };
const code = (expected: WalletErrorCode) => (err: unknown) => isWalletError(err, expected);

describe('Wallet', () => {
  let dir: string;
  let store: WalletStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'isl-wallet-'));
    store = new WalletStore({ path: join(dir, 'wallet.json') });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('create() writes an encrypted 0600 file; open() gives back the same keys', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    const key = await wallet.deriveKey('patient', 'study-1');
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);

    const reopened = await Wallet.open(store, 'pw', options);
    assert.equal((await reopened.deriveKey('patient', 'study-1')).keyId, key.keyId);
    assert.equal(reopened.exportRecoveryCode(), wallet.exportRecoveryCode());
  });

  it('gives two wallets different master secrets', async () => {
    const a = await Wallet.create(store, 'pw', options);
    const b = await Wallet.create(new WalletStore({ path: join(dir, 'b.json') }), 'pw', options);
    assert.notEqual(a.exportRecoveryCode(), b.exportRecoveryCode());
  });

  it('keeps the master secret, labels, key ids and study references out of the file in clear', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    const key = await wallet.deriveKey('patient', 'my-label-xyz');
    await wallet.bindStudy('patient', 'my-label-xyz', 'STUDY-REF-123');
    const secret = Buffer.from(decodeRecoveryCode(wallet.exportRecoveryCode()));
    const text = await readFile(store.path, 'utf8');
    for (const needle of [secret.toString('base64url'), secret.toString('hex'), secret.toString('base64'), 'my-label-xyz', key.keyId, 'STUDY-REF-123']) {
      assert.ok(!text.includes(needle), `${needle} found in wallet file`);
    }
  });

  it('open() with a wrong passphrase fails with WRONG_PASSPHRASE; a tampered file with CORRUPT_WALLET', async () => {
    await Wallet.create(store, 'pw', options);
    await assert.rejects(Wallet.open(store, 'PW', options), code('WRONG_PASSPHRASE'));

    const file = JSON.parse(await readFile(store.path, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(file.ciphertext, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 0x80;
    await store.write(JSON.stringify({ ...file, ciphertext: bytes.toString('base64url') }));
    await assert.rejects(Wallet.open(store, 'pw', options), code('CORRUPT_WALLET'));
  });

  it('open() of a missing file fails with WALLET_NOT_FOUND; create() over an existing one with WALLET_EXISTS', async () => {
    await assert.rejects(Wallet.open(store, 'pw', options), code('WALLET_NOT_FOUND'));
    const wallet = await Wallet.create(store, 'pw', options);
    await assert.rejects(Wallet.create(store, 'other', options), code('WALLET_EXISTS'));
    // The original is untouched.
    assert.equal((await Wallet.open(store, 'pw', options)).exportRecoveryCode(), wallet.exportRecoveryCode());
  });

  it('records every derived key in the index, once, and persists it', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    const study = await wallet.deriveKey('patient', 'study-1', 'EdDSA');
    await wallet.deriveKey('patient', 'study-1', 'EdDSA');
    const recovery = await wallet.recoveryKey('study-1');

    const labels = (await Wallet.open(store, 'pw', options)).labels;
    assert.deepEqual(labels, [
      {
        role: 'patient',
        purpose: 'study',
        context: 'study-1',
        alg: 'EdDSA',
        path: 'isl/v1/patient/study/study-1/EdDSA',
        keyId: study.keyId,
        createdAt: '2025-01-02T03:04:05.000Z',
      },
      {
        role: 'patient',
        purpose: 'recovery',
        context: 'study-1',
        alg: 'ES256',
        path: 'isl/v1/patient/recovery/study-1/ES256',
        keyId: recovery.keyId,
        createdAt: '2025-01-02T03:04:05.000Z',
      },
    ]);
    assert.notEqual(study.keyId, recovery.keyId);
  });

  it('hands out fresh study contexts per role, never reusing one across reopen', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    assert.equal(await wallet.newStudyContext('patient'), 'study-1');
    await wallet.deriveKey('patient', 'study-3'); // a hand-picked label the counter must skip
    assert.equal(await wallet.newStudyContext('patient'), 'study-2');
    assert.equal(await wallet.newStudyContext('recipient'), 'study-1');

    const reopened = await Wallet.open(store, 'pw', options);
    assert.equal(await reopened.newStudyContext('patient'), 'study-4');
  });

  it('binds a context to a study reference once it is known, and refuses conflicting bindings', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    await wallet.deriveKey('patient', 'study-1');
    await wallet.recoveryKey('study-1');
    await wallet.deriveKey('patient', 'study-2');
    await wallet.bindStudy('patient', 'study-1', 'ref-A');
    await wallet.bindStudy('patient', 'study-1', 'ref-A'); // idempotent

    const labels = (await Wallet.open(store, 'pw', options)).labels;
    assert.deepEqual(
      labels.map((l) => [l.context, l.purpose, l.studyRef]),
      [
        ['study-1', 'study', 'ref-A'],
        ['study-1', 'recovery', 'ref-A'],
        ['study-2', 'study', undefined],
      ],
    );
    await assert.rejects(wallet.bindStudy('patient', 'study-1', 'ref-B'), code('INVALID_ARGUMENT'));
    await assert.rejects(wallet.bindStudy('patient', 'study-2', 'ref-A'), code('INVALID_ARGUMENT'));
    await assert.rejects(wallet.bindStudy('patient', 'study-9', 'ref-C'), code('UNKNOWN_KEY'));
    await assert.rejects(wallet.bindStudy('recipient', 'study-1', 'ref-D'), code('UNKNOWN_KEY'));
  });

  it('finds used keys by id and signs statements the chaincode accepts with them; unknown ids fail with UNKNOWN_KEY', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    const key = await wallet.deriveKey('recipient', 'study-1', 'EdDSA');
    const reopened = await Wallet.open(store, 'pw', options);

    assert.deepEqual((await reopened.keyById(key.keyId)).publicJwk, key.publicJwk);
    const audience = audienceFor('imaging', 'isl');
    const fields = { source: key.keyId, study: newStudyReference(), recipient: key.keyId };
    const jws = await createStatement('RevokeAccess', fields, privateJwkOf(await reopened.keyById(key.keyId)), { audience });
    const statement = await verifyStatement(jws, 'RevokeAccess', { audience, nowMs: Date.now() });
    assert.equal(statement.claims.iss, key.keyId);

    const stranger = await deriveSigningKey(Buffer.alloc(32, 1), { role: 'recipient', purpose: 'study', context: 'study-1', alg: 'EdDSA' });
    await assert.rejects(reopened.keyById(stranger.keyId), code('UNKNOWN_KEY'));
  });

  it('imports a recovery code into a new wallet that re-derives the same keys, with an empty index', async () => {
    const original = await Wallet.create(store, 'pw', options);
    const key = await original.deriveKey('patient', 'study-1');
    const recovery = await original.recoveryKey('study-1', 'EdDSA');
    const restoredStore = new WalletStore({ path: join(dir, 'restored.json') });

    const restored = await Wallet.importRecoveryCode(restoredStore, original.exportRecoveryCode().toLowerCase(), 'new pw', options);
    assert.deepEqual(restored.labels, []);
    assert.equal((await restored.deriveKey('patient', 'study-1')).keyId, key.keyId);
    assert.equal((await restored.recoveryKey('study-1', 'EdDSA')).keyId, recovery.keyId);
    assert.equal((await Wallet.open(restoredStore, 'new pw', options)).labels.length, 2);
  });

  it('rejects a mistyped recovery code without creating a file', async () => {
    const code32 = (await Wallet.create(store, 'pw', options)).exportRecoveryCode();
    const typo = code32.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const target = new WalletStore({ path: join(dir, 'restored.json') });
    await assert.rejects(Wallet.importRecoveryCode(target, typo, 'pw', options), code('INVALID_RECOVERY_CODE'));
    assert.equal(await target.exists(), false);
  });

  it('changes the passphrase: the old one stops working, keys stay the same', async () => {
    const wallet = await Wallet.create(store, 'old', options);
    const key = await wallet.deriveKey('patient', 'study-1');
    await wallet.changePassphrase('new');
    await assert.rejects(Wallet.open(store, 'old', options), code('WRONG_PASSPHRASE'));
    assert.equal((await (await Wallet.open(store, 'new', options)).deriveKey('patient', 'study-1')).keyId, key.keyId);
  });

  it('is unusable after close()', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    wallet.close();
    assert.throws(() => wallet.exportRecoveryCode(), code('WALLET_CLOSED'));
    await assert.rejects(wallet.deriveKey('patient', 'study-1'), code('WALLET_CLOSED'));
    await assert.rejects(wallet.save(), code('WALLET_CLOSED'));
  });

  it('rejects an invalid context label before recording anything', async () => {
    const wallet = await Wallet.create(store, 'pw', options);
    await assert.rejects(wallet.deriveKey('patient', 'a/b'), code('INVALID_CONTEXT'));
    assert.deepEqual(wallet.labels, []);
  });
});
