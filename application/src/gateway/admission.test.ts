import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { waitFor } from '../../../network/src/process/wait';
import { isRead, isWrite, registerAdmission } from './admission';

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: { error?: { code: string } };
}

describe('admission control for ledger writes', () => {
  let app: FastifyInstance;
  let base: string;
  let admission: { readonly inFlight: () => number };
  let shed = 0;
  const gates: (() => void)[] = [];

  beforeEach(async () => {
    shed = 0;
    app = Fastify();
    admission = registerAdmission(app, { kind: 'writes', applies: isWrite, maxInFlight: 2, retryAfterSeconds: 3, onShed: () => shed++ });
    // A write that finishes only when the test opens its gate, like a submit waiting for its commit.
    app.post('/api/v1/grants', async () => {
      await new Promise<void>((open) => gates.push(open));
      return { ok: true };
    });
    app.get('/api/v1/grants', () => ({ reads: 'are never limited' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
  });
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    await app.close();
  });

  const call = (method: string): { answer: Promise<Answer>; abort: () => void } => {
    const req = request(`${base}/api/v1/grants`, { method });
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
    assert.deepEqual([third.status, third.retryAfter, third.body.error?.code], [503, '3', 'OVERLOADED']);
    assert.equal(shed, 1);
    assert.equal((await call('GET').answer).status, 200, 'reads are not limited');

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

  it('counts ledger reads apart from writes, and never the event stream or the API documents', () => {
    const req = (method: string, url: string): Parameters<typeof isRead>[0] => ({ method, url }) as Parameters<typeof isRead>[0];
    assert.equal(isWrite(req('POST', '/api/v1/grants')), true);
    assert.equal(isWrite(req('GET', '/api/v1/grants')), false);
    assert.equal(isRead(req('GET', '/api/v1/access?source=a')), true);
    assert.equal(isRead(req('GET', '/api/v1/publications')), true);
    for (const exempt of ['/api/v1/events', '/api/v1/events?since=3', '/api/v1/docs/', '/api/v1/openapi.json', '/metrics', '/readyz']) {
      assert.equal(isRead(req('GET', exempt)), false, exempt);
    }
    assert.equal(isRead(req('GET', '/api/v1/eventsx')), true, 'only the event stream itself is exempt');
  });
});
