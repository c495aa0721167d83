import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { createSecureContext, createServer as createTlsServer, TLSSocket, type TlsOptions } from 'node:tls';
import { makeTestPki, type TestPki } from '../testing/test-pki';
import { hasEncryptedRecord, HeldFlightTransport } from './held-flight-transport';
import { AuditDeliveryError, SyslogTlsSender } from './syslog-tls-sender';

const record = (type: number, length: number): Buffer => Buffer.concat([Buffer.from([type, 3, 3, length >> 8, length & 0xff]), Buffer.alloc(length, 7)]);

describe('ATNA: the held TLS flight (the batch leaves with the client Finished)', () => {
  it('finds an encrypted (application_data) record among whole records, and stops at a header past the end', () => {
    assert.equal(hasEncryptedRecord(record(22, 300)), false, 'a plaintext ClientHello');
    assert.equal(hasEncryptedRecord(Buffer.concat([record(20, 1), record(22, 40)])), false, 'CCS and a second ClientHello (after a HelloRetryRequest)');
    assert.equal(hasEncryptedRecord(Buffer.concat([record(20, 1), record(23, 90), record(23, 40)])), true, 'CCS then the encrypted Finished');
    assert.equal(hasEncryptedRecord(Buffer.concat([record(22, 65535).subarray(0, 5), Buffer.from([23])])), false);
    assert.equal(hasEncryptedRecord(Buffer.alloc(0)), false);
  });

  /** A stand-in for the TCP socket that records each write. */
  function fakeRaw(): { raw: Socket; writes: Buffer[] } {
    const writes: Buffer[] = [];
    const raw = new Duplex({
      write(chunk: Buffer, _e, cb) {
        writes.push(chunk);
        cb();
      },
      read() {
        /* nothing to read */
      },
    });
    return { raw: raw as unknown as Socket, writes };
  }

  it('passes plaintext records, holds from the first encrypted record on (in order), and sends what it held in one write on release', async () => {
    const { raw, writes } = fakeRaw();
    const t = new HeldFlightTransport(raw);
    const write = (b: Buffer): Promise<void> =>
      new Promise((resolve, reject) =>
        t.write(b, (err) => {
          err ? reject(err) : resolve();
        }),
      );
    const hello = record(22, 200);
    const finished = Buffer.concat([record(20, 1), record(23, 60)]);
    const batch = record(23, 500);
    await write(hello);
    await write(finished);
    await write(batch);
    assert.deepEqual(writes, [hello], 'only the ClientHello left before the release');
    t.release();
    assert.deepEqual(writes, [hello, Buffer.concat([finished, batch])]);
    const closeNotify = record(23, 19);
    await write(closeNotify);
    assert.deepEqual(writes.at(-1), closeNotify, 'after the release, writes pass at once');
    t.destroy();
  });
});

describe('ATNA: the syslog/TLS sender counts a batch taken only by a clean close after it (RFC 5425)', function () {
  this.timeout(20_000);
  let dir: string;
  let pki: TestPki;
  let server: Server | undefined;
  const frames = [Buffer.from('5 hello'), Buffer.from('5 world')];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-syslog-tls-'));
    pki = makeTestPki(dir);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const closeServer = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  afterEach(closeServer);
  const serverTls = (): TlsOptions => ({ cert: readFileSync(pki.server.certFile), key: readFileSync(pki.server.keyFile), ca: readFileSync(pki.ca) });
  const listen = (s: Server): Promise<number> => {
    server = s;
    return new Promise((resolve) =>
      s.listen(0, '127.0.0.1', () => {
        resolve((s.address() as { port: number }).port);
      }),
    );
  };
  const sender = (port: number, withCert: boolean): SyslogTlsSender =>
    new SyslogTlsSender({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(pki.ca),
      timeoutMs: 10_000,
      ...(withCert ? { cert: readFileSync(pki.client.certFile), key: readFileSync(pki.client.keyFile) } : {}),
    });
  const refusedWith = async (p: Promise<void>): Promise<string> => {
    const err = await p.then(
      () => assert.fail('the batch was counted as taken'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuditDeliveryError, String(err));
    return err.code;
  };

  it('a repository that reads to the end of the stream and then closes: taken, every byte arrived', async () => {
    const got: Buffer[] = [];
    const port = await listen(
      createTlsServer({ ...serverTls(), requestCert: true, rejectUnauthorized: true }, (s) => {
        s.on('data', (d: Buffer) => got.push(d));
        s.on('end', () => s.end());
      }),
    );
    await sender(port, true).send(frames);
    assert.equal(Buffer.concat(got).toString(), '5 hello5 world');
  });

  it('a repository that refuses inside the handshake (TLS 1.3 certificate_required): not taken', async () => {
    const got: Buffer[] = [];
    const port = await listen(
      createTlsServer({ ...serverTls(), requestCert: true, rejectUnauthorized: true }, (s) => {
        s.on('data', (d: Buffer) => got.push(d));
      }),
    );
    assert.ok(['cut', 'tls'].includes(await refusedWith(sender(port, false).send(frames))));
    assert.equal(got.length, 0);
  });

  it('a repository that completes the handshake, then refuses the client and resets the connection (as rsyslog gtls does): not taken', async () => {
    const context = createSecureContext(serverTls());
    const port = await listen(
      createNetServer((raw) => {
        const s = new TLSSocket(raw, { isServer: true, secureContext: context, requestCert: true, rejectUnauthorized: false });
        s.on('error', () => undefined);
        s.on('secure', () => {
          if (!s.authorized) raw.resetAndDestroy();
        });
      }),
    );
    assert.equal(await refusedWith(sender(port, false).send(frames)), 'cut');
  });

  it('a repository that offers only TLS 1.2 is refused before anything is sent (there a refusal after the handshake looks like delivery)', async () => {
    const got: Buffer[] = [];
    const port = await listen(
      createTlsServer({ ...serverTls(), maxVersion: 'TLSv1.2' }, (s) => {
        s.on('data', (d: Buffer) => got.push(d));
      }),
    );
    assert.equal(await refusedWith(sender(port, true).send(frames)), 'tls');
    assert.equal(got.length, 0);
  });

  it('nothing listening: unreachable', async () => {
    const port = await listen(createNetServer());
    await closeServer();
    assert.equal(await refusedWith(sender(port, true).send(frames)), 'unreachable');
  });
});
