import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { waitFor } from '@isl/network';
import { rawRequest, startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';

/** A socket whose answer is collected as it comes. */
function open(port: number): { socket: Socket; answer: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      resolve();
    }),
  );
  return { socket, answer: () => text, closed };
}

describe('slow and aborted clients (real sockets, fake ledger)', function () {
  this.timeout(60_000);
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture({
      maxConnectionsPerClient: 6,
      timeouts: { bodyWindowMs: 300, minBodyBytesPerWindow: 1024, headersMs: 1_000 },
    });
  });
  after(async () => {
    await f.close();
  });

  const inFlight = async (kind: string): Promise<number> => {
    const text = (await rawRequest(f.port, 'GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close')).body;
    const value = new RegExp(`^isl_gateway_in_flight\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1];
    assert.ok(value !== undefined, `isl_gateway_in_flight{kind="${kind}"} in /metrics`);
    return Number(value);
  };

  const startPost = (path: string, contentType: string, length: number, first: string): ReturnType<typeof open> => {
    const c = open(f.port);
    c.socket.write(
      `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${f.tokens.member}\r\ncontent-type: ${contentType}\r\ncontent-length: ${String(length)}\r\n\r\n${first}`,
    );
    return c;
  };

  // Lengths under each route's body limit (a statement's body is small: more is refused 413 at once).
  for (const [what, path, contentType, length] of [
    ['a statement', '/api/v1/grants', 'application/json', 4_000],
    ['a study upload', '/api/v1/publications', 'application/dicom', 100_000],
  ] as const) {
    it(`cuts off ${what} whose body trickles with 408 REQUEST_TIMEOUT, and frees its admission place`, async () => {
      const c = startPost(path, contentType, length, '{');
      await waitFor('the write to take a place', async () => (await inFlight('writes')) === 1, { timeoutMs: 5_000 });
      const trickle = setInterval(() => c.socket.write(' '), 50);
      try {
        await c.closed;
      } finally {
        clearInterval(trickle);
      }
      assert.match(c.answer(), /^HTTP\/1\.1 408 /);
      assert.match(c.answer(), /content-type: application\/problem\+json/i);
      assert.match(c.answer(), /"code":"REQUEST_TIMEOUT"/);
      await waitFor('its place freed', async () => (await inFlight('writes')) === 0, { timeoutMs: 5_000 });
    });

    it(`frees the place of ${what} aborted half-way`, async () => {
      const c = startPost(path, contentType, length, '{"statement": "');
      await waitFor('the write to take a place', async () => (await inFlight('writes')) === 1, { timeoutMs: 5_000 });
      c.socket.destroy();
      await waitFor('its place freed', async () => (await inFlight('writes')) === 0, { timeoutMs: 5_000 });
    });
  }

  it('answers headers that never end with 408 (Node headersTimeout)', async () => {
    const c = open(f.port);
    c.socket.write('GET /api/v1/sources HTTP/1.1\r\nhost: x\r\n');
    const trickle = setInterval(() => c.socket.write('x-slow: 1\r\n'), 100);
    try {
      await c.closed;
    } finally {
      clearInterval(trickle);
    }
    assert.match(c.answer(), /^HTTP\/1\.1 408 [^]*"code":"REQUEST_TIMEOUT"/);
  });

  it('refuses a request on a connection beyond the per-client limit with 429 TOO_MANY_CONNECTIONS before anything serves it, and takes one again once one closed', async () => {
    const held = Array.from({ length: 6 }, () => open(f.port));
    try {
      await waitFor('six connections open', () => held.every((c) => c.socket.readyState === 'open'), { timeoutMs: 5_000 });
      // A statement sent on the connection beyond the limit is refused and reaches nothing (not served while refused).
      const reachedBefore = f.reached.ledger.length;
      const refused = open(f.port);
      const payload = Buffer.from(JSON.stringify({ type: 'AllowAccess', jti: 'over-the-limit' })).toString('base64url');
      const body = JSON.stringify({ statement: `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${payload}.${'A'.repeat(86)}` });
      refused.socket.write(
        `POST /api/v1/statements HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${f.tokens.member}\r\ncontent-length: ${String(body.length)}\r\n\r\n${body}`,
      );
      await refused.closed;
      assert.match(refused.answer(), /^HTTP\/1\.1 429 [^]*retry-after: 1[^]*"code":"TOO_MANY_CONNECTIONS"/i);
      assert.doesNotMatch(refused.answer().slice(1), /HTTP\/1\.1 /, 'one answer only');
      assert.equal(f.reached.ledger.length, reachedBefore, 'the refused request reached no ledger call');
      held.pop()?.socket.destroy();
      await waitFor(
        'a connection taken again',
        async () => (await rawRequest(f.port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close')).status === 200,
        {
          timeoutMs: 5_000,
        },
      );
    } finally {
      for (const c of held) c.socket.destroy();
    }
  });
});
