import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
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
});
