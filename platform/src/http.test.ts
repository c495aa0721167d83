import { strict as assert } from 'node:assert';
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchAnswer, sendRequest } from './http';

describe('HTTP request helper', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/silent') return; // never answers
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(req.url === '/big' ? 200 : 201, { 'x-target': req.url ?? '' }).end(req.url === '/big' ? Buffer.alloc(4096) : Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends method, body and an as-given request-target, and reads the answer', async () => {
    const answer = await fetchAnswer(base, { method: 'POST', path: '/a/../b?x', body: 'hello', timeoutMs: 5_000 });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers['x-target'], '/a/../b?x');
    assert.equal(answer.body.toString(), 'hello');
  });

  it('refuses an answer larger than maxBytes', async () => {
    await assert.rejects(fetchAnswer(`${base}/big`, { timeoutMs: 5_000, maxBytes: 1024 }), /larger than 1024 bytes/);
  });

  it('fails with an error naming the URL when nothing comes within the timeout', async () => {
    await assert.rejects(sendRequest(`${base}/silent`, { timeoutMs: 200 }), /no answer from http:\/\/127\.0\.0\.1:\d+\/silent within 200 ms/);
  });

  describe('a keep-alive connection the server drops as it is reused', () => {
    // The server answers the first request on each connection and drops the connection on the
    // second, without an answer: what a server does that closes an idle connection just as the
    // client reuses it (Orthanc's 500 ms keep-alive, for one).
    let dropping: Server;
    let url: string;
    const requests = { answered: 0, dropped: 0 };
    before(async () => {
      dropping = createServer((req, res) => {
        const socket = req.socket as typeof req.socket & { served?: boolean };
        if (socket.served === true) {
          requests.dropped++;
          socket.destroy();
          return;
        }
        socket.served = true;
        requests.answered++;
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
      });
      await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${String((dropping.address() as AddressInfo).port)}/`;
    });
    after(() => {
      dropping.closeAllConnections();
      dropping.close();
    });

    async function twice(method: string, body?: string, idempotent?: boolean): Promise<string> {
      const agent = new Agent({ keepAlive: true, agentKeepAliveTimeoutBuffer: 0 });
      const options = { method, agent, timeoutMs: 5_000, ...(body === undefined ? {} : { body }), ...(idempotent === undefined ? {} : { idempotent }) };
      try {
        const first = await fetchAnswer(url, options);
        assert.equal(first.body.toString(), 'ok');
        const second = await fetchAnswer(url, options);
        return second.body.toString();
      } finally {
        agent.destroy();
      }
    }

    it('sends a GET once more on a fresh connection', async () => {
      const before = { ...requests };
      assert.equal(await twice('GET'), 'ok');
      assert.equal(requests.dropped - before.dropped, 1, 'the reused connection was dropped');
      assert.equal(requests.answered - before.answered, 2, 'the GET was answered on a new connection');
    });

    it('does not send a POST again: the caller learns that the connection was lost', async () => {
      const before = { ...requests };
      await assert.rejects(twice('POST', 'x'), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message));
      assert.equal(requests.answered - before.answered, 1);
    });

    it('sends a POST the caller marks idempotent once more, with its body', async () => {
      const before = { ...requests };
      assert.equal(await twice('POST', 'x', true), 'ok');
      assert.equal(requests.dropped - before.dropped, 1, 'the reused connection was dropped');
      assert.equal(requests.answered - before.answered, 2, 'the POST was answered on a new connection');
    });
  });
});
