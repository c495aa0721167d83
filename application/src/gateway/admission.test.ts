import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { waitFor } from '@isl/network';
import { registerAdmission, type Admission } from './admission';

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: { code?: string };
}

describe('admission control for ledger writes', () => {
  let app: FastifyInstance;
  let base: string;
  let port: number;
  let admission: Admission;
  let shed = 0;
  let finished = 0;
  const gates: (() => void)[] = [];

  beforeEach(async () => {
    shed = 0;
    finished = 0;
    app = Fastify();
    admission = registerAdmission(app, { kind: 'writes', maxInFlight: 2, retryAfterSeconds: 3, onShed: () => shed++ });
    app.setErrorHandler(async (err: { body?: unknown; headers?: Record<string, string> }, _request, reply) =>
      reply
        .code(503)
        .headers({ ...err.headers })
        .send(err.body),
    );
    // A write that finishes only when the test opens its gate, like a submit waiting for its commit.
    app.post('/api/v1/grants', { config: { admission: 'writes' } }, async () => {
      await new Promise<void>((open) => gates.push(open));
      finished++;
      return { ok: true };
    });
    app.get('/api/v1/grants', { config: { admission: 'reads' } }, () => ({ reads: 'are limited apart' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${String(port)}`;
  });
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    await app.close();
  });

  const call = (method: string, path = '/api/v1/grants'): { answer: Promise<Answer>; abort: () => void } => {
    const req = request(`${base}${path}`, { method });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) as Answer['body'] });
        });
      });
      req.on('error', reject);
    });
    req.end();
    return { answer, abort: () => req.destroy() };
  };

  it('turns writes beyond the limit away at once with 503 OVERLOADED and Retry-After, and admits again once one finishes', async () => {
    const first = call('POST');
    const second = call('POST');
    await waitFor('two writes in progress', () => admission.inFlight() === 2, { timeoutMs: 5_000 });
    const third = await call('POST').answer;
    assert.deepEqual([third.status, third.retryAfter, third.body.code], [503, '3', 'OVERLOADED']);
    assert.equal(shed, 1);
    assert.equal((await call('GET').answer).status, 200, 'reads are not counted as writes');

    gates.shift()?.();
    assert.equal((await first.answer).status, 200);
    await waitFor('a place freed', () => admission.inFlight() === 1, { timeoutMs: 5_000 });
    const fourth = call('POST');
    await waitFor('the fourth write admitted', () => admission.inFlight() === 2 && gates.length === 2, { timeoutMs: 5_000 });
    for (const open of gates.splice(0)) open();
    assert.equal((await second.answer).status, 200);
    assert.equal((await fourth.answer).status, 200);
    await waitFor('no write in progress', () => admission.inFlight() === 0, { timeoutMs: 5_000 });
  });

  it('frees the place of a client that hangs up', async () => {
    const gone = call('POST');
    gone.answer.catch(() => undefined);
    await waitFor('the write in progress', () => admission.inFlight() === 1, { timeoutMs: 5_000 });
    gone.abort();
    await waitFor('its place freed', () => admission.inFlight() === 0, { timeoutMs: 5_000 });
  });

  it('frees the place of a client that sent its whole body and hung up while the write was still in progress', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /api/v1/grants HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
    await waitFor('the write in progress', () => admission.inFlight() === 1 && gates.length === 1, { timeoutMs: 5_000 });
    socket.destroy();
    // The write goes on (its commit is not abandoned) and ends with nobody to answer.
    gates.shift()?.();
    await waitFor('the handler to finish', () => finished === 1, { timeoutMs: 5_000 });
    await waitFor('its place freed', () => admission.inFlight() === 0, { timeoutMs: 5_000 });
  });

  it('counts by the matched route, however its path is spelled', async () => {
    const spelled = call('POST', '/%61pi/v1/grants');
    spelled.answer.catch(() => undefined);
    await waitFor('the write counted', () => admission.inFlight() === 1, { timeoutMs: 5_000 });
    spelled.abort();
    await waitFor('its place freed', () => admission.inFlight() === 0, { timeoutMs: 5_000 });
  });
});
