import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { waitFor } from '@isl/network';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';

/** What a socket received so far, and everything it received once the server closed it. */
function received(socket: Socket): { readonly now: () => string; readonly closed: Promise<string> } {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  const closed = new Promise<string>((resolve, reject) => {
    socket.on('close', () => {
      resolve(text);
    });
    socket.on('error', reject);
  });
  return { now: () => text, closed };
}

describe('gateway shutdown drains: in-flight requests finish, late ones get a problem with a retry hint, event streams end', function () {
  this.timeout(30_000);
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture({ timeouts: { minBlockWaitMs: 1_000 } });
  });
  after(async () => {
    await f.close();
  });

  it('answers a request arriving while it closes with 503 SHUTTING_DOWN and Retry-After, after finishing the one in flight', async () => {
    const auth = `authorization: Bearer ${f.tokens.member}`;
    const events = connect(f.port, '127.0.0.1');
    const eventsText = received(events);
    events.write(`GET /api/v1/events HTTP/1.1\r\nhost: x\r\n${auth}\r\n\r\n`);
    await waitFor('the event stream to open', () => Promise.resolve(eventsText.now().includes(': connected')), { timeoutMs: 5_000 });

    const keptAlive = connect(f.port, '127.0.0.1');
    const answers = received(keptAlive);
    // The first waits (minBlock beyond the peer's height), so its connection is busy when close() begins.
    keptAlive.write(`GET /api/v1/sources?minBlock=1000 HTTP/1.1\r\nhost: x\r\n${auth}\r\n\r\n`);
    await waitFor('the first request to wait for its block', () => Promise.resolve(f.blocks.waiting === 1), { timeoutMs: 5_000 });

    const closing = f.app.close();
    // A request arriving on that connection while the gateway closes.
    keptAlive.write(`GET /api/v1/sources HTTP/1.1\r\nhost: x\r\n${auth}\r\n\r\n`);
    await closing;
    const [first, second] = (await answers.closed).split(/(?=HTTP\/1\.1 )/);
    assert.match(first ?? '', /^HTTP\/1\.1 504 /, 'the request in flight is answered, not cut');
    assert.match(first ?? '', /BLOCK_NOT_REACHED/);
    assert.match(second ?? '', /^HTTP\/1\.1 503 /);
    assert.match(second ?? '', /\r\nretry-after: 1\r\n/i);
    assert.match(second ?? '', /application\/problem\+json/);
    const body = JSON.parse((second ?? '').slice((second ?? '').indexOf('\r\n\r\n') + 4)) as { code: string; status: number; type: string };
    assert.deepEqual([body.code, body.status, body.type], ['SHUTTING_DOWN', 503, 'urn:isl:problem:SHUTTING_DOWN']);
    // Resolves only once the server ended the stream (close() above would otherwise have waited on it).
    assert.match(await eventsText.closed, /: connected/);
  });
});
