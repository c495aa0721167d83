import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { newNonce, newStudyReference } from '@isl/chaincode';
import { recipientKey, send, startImageSource, type Answer, type Harness } from '../testing/image-source-harness';
import { GET_COMPONENTS, signRequest, type RecipientSigningKey } from '../wire/http-signature';
import { retrieveStudy } from '../retrieval/retrieve-client';

const ACCEPT = { accept: 'multipart/related; type="application/dicom"' };

/** A WADO-RS GET signed by `key` with `@target-uri` = `signedUri`, sent with the request-target `requestTarget`. */
function signedGet(h: Harness, key: RecipientSigningKey, signedUri: string, requestTarget: string): Promise<Answer> {
  const signed = signRequest(key, { method: 'GET', targetUri: signedUri, headers: ACCEPT }, { nonce: newNonce(), components: GET_COMPONENTS });
  return send(h, 'GET', requestTarget, { ...ACCEPT, ...signed });
}

const errorOf = (a: Answer): string => (JSON.parse(a.body.toString()) as { error: string }).error;

describe('image source server (real HTTPS, fake ledger and PACS)', function () {
  this.timeout(30_000);
  let h: Harness;
  let granted: RecipientSigningKey;
  const study = newStudyReference();

  before(async () => {
    h = await startImageSource();
    granted = await recipientKey();
    h.release.grant(study, granted.keyId);
  });
  after(() => h.close());

  describe('routes and @target-uri: one canonical spelling, bound to the registered URL', () => {
    it('retrieves over both protocols with the client, which signs the canonical URI', async () => {
      for (const protocol of ['wado-rs', 'iti43'] as const) {
        const out = mkdtempSync(join(tmpdir(), 'isl-server-test-'));
        // Fake instances are not DICOM: the client's final check fails after the transfer; the answer was a release.
        await assert.rejects(
          retrieveStudy({ url: h.url, sourceId: 'source-under-test', study, key: granted, protocol, ca: [h.ca], outDir: out }),
          /not a DICOM/,
        );
        rmSync(out, { recursive: true, force: true });
      }
      assert.equal(h.release.released.filter((r) => r.recipient === granted.keyId).length, 2);
    });

    it('answers malformed percent-encoding in any route parameter with 400, not 500', async () => {
      for (const target of ['/studies/%ZZ', '/studies/%', '/studies/%E0%A4%A', '/studies/%FF', '/%ZZ/healthz', '/?%zz']) {
        const a = await send(h, 'GET', target);
        assert.equal(a.status, 400, `${target}: ${a.body.toString()}`);
        assert.equal(errorOf(a), 'bad-request');
      }
      const post = await send(h, 'POST', '/studies/%ZZ');
      assert.equal(post.status, 400);
    });

    it('refuses absolute-form naming another host (421) even when signed for it, and never releases', async () => {
      const evil = `https://evil.example/studies/${study}`;
      const a = await signedGet(h, granted, evil, evil);
      assert.equal(a.status, 421);
      assert.equal(errorOf(a), 'misdirected');
    });

    it('treats //host/... as a path (404), not as another authority, even when signed for that host', async () => {
      const a = await signedGet(h, granted, `https://evil.example/studies/${study}`, `//evil.example/studies/${study}`);
      assert.equal(a.status, 404);
      assert.ok(!a.body.includes('DICM'));
    });

    it('accepts equivalent spellings of the registered URI, signed in canonical form', async () => {
      const canonical = `${h.url}/studies/${study}`;
      for (const target of [
        `/studies/${study}`,
        `/%73tudies/${study}`,
        `/x/../studies/${study}`,
        `/./studies/./${study}`,
        `https://127.0.0.1:${String(h.port)}/studies/${study}`,
        `HTTPS://127.0.0.1:${String(h.port)}/studies/${study}`,
      ]) {
        const a = await signedGet(h, granted, canonical, target);
        assert.equal(a.status, 200, `${target}: ${a.body.toString()}`);
        assert.ok(a.body.includes('DICM'));
      }
    });

    it('refuses a signature over a non-canonical spelling of the same URI', async () => {
      const a = await signedGet(h, granted, `${h.url}/%73tudies/${study}`, `/%73tudies/${study}`);
      assert.equal(a.status, 401);
    });

    it('decides authorisation by the matched route: no spelling reaches a study without a signature', async () => {
      const spellings = [
        `/studies/${study}`,
        `/%73tudies/${study}`,
        `/STUDIES/${study}`,
        `/studies/../studies/${study}`,
        `/%2e%2e/studies/${study}`,
        `//studies/${study}`,
        `/studies//${study}`,
        `/studies/${study}/`,
        `/healthz/../studies/${study}`,
        `/studies/${study}%2F..%2F..`,
      ];
      for (const target of spellings) {
        for (const method of ['GET', 'POST']) {
          const a = await send(h, method, target, ACCEPT);
          assert.ok([401, 404, 405].includes(a.status), `${method} ${target}: ${String(a.status)}`);
          assert.ok(!a.body.includes('DICM'), `${method} ${target} released`);
        }
      }
      for (const target of ['/', '/./', '/%2e/', '/x/..']) {
        const a = await send(h, 'POST', target, { 'content-type': 'application/soap+xml' }, Buffer.from('<x/>'));
        assert.equal(a.status, 401, `POST ${target}`);
      }
      assert.equal((await send(h, 'GET', '/%68ealthz')).status, 200, 'the public route by any spelling');
    });
  });

  describe('ITI-43 request size', () => {
    it('answers a body over 256 KiB with the 413 SOAP fault, not a connection reset', async () => {
      for (const size of [256 * 1024 + 1, 1024 * 1024]) {
        const a = await send(h, 'POST', '/', { 'content-type': 'application/soap+xml' }, Buffer.alloc(size, 0x20));
        assert.equal(a.status, 413, `${String(size)} bytes`);
        assert.match(a.headers['content-type'] ?? '', /^multipart\/related; type="application\/xop\+xml"/);
        assert.match(a.body.toString(), /<env:Value>env:Sender<\/env:Value>.*larger than 262144 bytes/s);
        assert.equal(a.headers.connection, 'close');
      }
    });
  });

  describe('nonce cache: strangers cannot exhaust it', () => {
    let small: Harness;
    let recipient: RecipientSigningKey;
    before(async () => {
      small = await startImageSource({ replayCapacity: 8, replayPerKey: 3, refusedReplayCapacity: 8 });
      recipient = await recipientKey();
      small.release.grant(study, recipient.keyId);
    });
    after(() => small.close());

    const get = (key: RecipientSigningKey): { headers: Record<string, string>; go: () => Promise<Answer> } => {
      const uri = `${small.url}/studies/${study}`;
      const headers = { ...ACCEPT, ...signRequest(key, { method: 'GET', targetUri: uri, headers: ACCEPT }, { nonce: newNonce(), components: GET_COMPONENTS }) };
      return { headers, go: () => send(small, 'GET', `/studies/${study}`, headers) };
    };

    it('a flood of validly signed requests from ungranted self-made keys leaves a granted recipient retrieving', async () => {
      let last: Record<string, string> = {};
      for (let i = 0; i < 40; i++) {
        const stranger = await recipientKey(i % 2 === 0 ? 'ES256' : 'EdDSA');
        const request = get(stranger);
        last = request.headers;
        const a = await request.go();
        assert.equal(a.status, 404, `stranger ${String(i)}: ${a.body.toString()}`);
      }
      const granted = get(recipient);
      const ok = await granted.go();
      assert.equal(ok.status, 200, ok.body.toString());
      assert.ok(ok.body.includes('DICM'));
      // Replay protection still holds for the granted key, and for the most recent refused requests.
      const replay = await send(small, 'GET', `/studies/${study}`, granted.headers);
      assert.equal(replay.status, 401);
      assert.equal(errorOf(replay), 'replayed');
      const strangerReplay = await send(small, 'GET', `/studies/${study}`, last);
      assert.equal(errorOf(strangerReplay), 'replayed');
      const out = mkdtempSync(join(tmpdir(), 'isl-server-test-'));
      await assert.rejects(
        retrieveStudy({ url: small.url, sourceId: 'source-under-test', study, key: recipient, protocol: 'iti43', ca: [small.ca], outDir: out }),
        /not a DICOM/,
        'ITI-43 releases too',
      );
      rmSync(out, { recursive: true, force: true });
    });

    it('one granted key cannot take the room of another (per-key quota)', async () => {
      const greedy = await recipientKey();
      small.release.grant(study, greedy.keyId);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await get(greedy).go()).status);
      assert.deepEqual(answers, [200, 200, 200, 503]);
      const other = await recipientKey();
      small.release.grant(study, other.keyId);
      assert.equal((await get(other).go()).status, 200);
    });
  });

  describe('slow clients: timeouts and per-client connection limits', () => {
    let slow: Harness;
    const limits = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, idleTimeoutMs: 2_000, maxConnectionsPerClient: 4 };
    before(async () => {
      slow = await startImageSource({ limits });
    });
    after(() => slow.close());

    /** A TLS connection that writes `head`, then one byte of `trickle` every 200 ms; resolves with what the server sent once it closes. */
    const trickler = (head: string, trickle: string): { done: Promise<string>; socket: TLSSocket } => {
      const socket = connect({ host: '127.0.0.1', port: slow.port, ca: slow.ca });
      let received = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('secureConnect', () => {
        socket.write(head);
        let i = 0;
        timer = setInterval(() => {
          if (i < trickle.length && socket.writable) socket.write(trickle[i++] ?? '');
        }, 200);
      });
      socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
      socket.on('error', () => undefined);
      const done = new Promise<string>((resolve) => {
        socket.on('close', () => {
          clearInterval(timer);
          resolve(received);
        });
      });
      return { done, socket };
    };

    it('cuts off a request whose body trickles in, with 408, while a normal request still succeeds', async () => {
      const t = trickler('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 1000\r\n\r\n', 'x'.repeat(1000));
      assert.equal((await send(slow, 'GET', '/healthz')).status, 200, 'served while the trickler is open');
      assert.match(await t.done, /^HTTP\/1\.1 408 /);
    });

    it('cuts off a request whose headers trickle in', async () => {
      const t = trickler('GET /healthz HTTP/1.1\r\n', `Host: 127.0.0.1\r\nX-Slow: ${'y'.repeat(1000)}\r\n\r\n`);
      assert.match(await t.done, /^HTTP\/1\.1 408 /);
    });

    it('closes a connection that never sends anything', async () => {
      const t = trickler('', '');
      assert.match(await t.done, /^(|HTTP\/1\.1 408 [^]*)$/);
    });

    it('closes connections beyond the per-client limit at once and serves again when they go', async () => {
      const open = Array.from({ length: limits.maxConnectionsPerClient }, () => trickler('', ''));
      await Promise.all(open.map((o) => new Promise((resolve) => o.socket.once('secureConnect', resolve))));
      const extra = trickler('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '');
      assert.equal(await extra.done, '', 'the extra connection is closed without an answer');
      for (const o of open) o.socket.destroy();
      await Promise.all(open.map((o) => o.done));
      assert.equal((await send(slow, 'GET', '/healthz')).status, 200);
    });
  });
});
