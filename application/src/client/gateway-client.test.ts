import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient, GatewayHttpError } from './gateway-client';

describe('gateway client: writes the gateway turned away as OVERLOADED', () => {
  let server: Server;
  let base: string;
  let calls = 0;
  /** How many answers are 503 OVERLOADED before a 201. */
  let overloaded = 0;

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      calls++;
      if (calls <= overloaded) {
        res
          .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' })
          .end(JSON.stringify({ type: 'urn:isl:problem:OVERLOADED', title: 'overloaded', status: 503, detail: 'busy', code: 'OVERLOADED' }));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ transactionId: 'ab', alreadyApplied: false }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  after(() => {
    server.close();
  });
  beforeEach(() => {
    calls = 0;
  });

  it('sends it again after Retry-After, up to its retry budget', async () => {
    overloaded = 2;
    const result = await new GatewayClient({ baseUrl: base }).relay('a.b.c');
    assert.equal(result.transactionId, 'ab');
    assert.equal(calls, 3);
  });

  it('gives up with OVERLOADED once the budget is spent, and a load generator (0 retries) sees it at once', async () => {
    overloaded = 100;
    await assert.rejects(
      new GatewayClient({ baseUrl: base, overloadRetries: 2 }).relay('a.b.c'),
      (err: GatewayHttpError) => err.code === 'OVERLOADED' && err.status === 503 && err.retryAfterMs === 0,
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(new GatewayClient({ baseUrl: base, overloadRetries: 0 }).relay('a.b.c'), /OVERLOADED/);
    assert.equal(calls, 1);
  });
});

describe('gateway client: a relay whose outcome the gateway could not learn', () => {
  let server: Server;
  let base: string;
  const bodies: string[] = [];
  /** How many answers are 504 OUTCOME_UNKNOWN before the statement is known applied. */
  let unknown = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        if (bodies.length <= unknown) {
          res.writeHead(504, { 'content-type': 'application/problem+json' }).end(
            JSON.stringify({
              type: 'urn:isl:problem:OUTCOME_UNKNOWN',
              title: 'outcome unknown',
              status: 504,
              detail: 'sent to ordering',
              code: 'OUTCOME_UNKNOWN',
              transactionId: 'cd',
            }),
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ transactionId: 'cd', blockNumber: '7', alreadyApplied: true }));
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  after(() => {
    server.close();
  });
  beforeEach(() => {
    bodies.length = 0;
  });

  it('sends the same statement again and reports what the ledger says of it', async () => {
    unknown = 1;
    const result = await new GatewayClient({ baseUrl: base }).relay('a.b.c');
    assert.deepEqual([result.transactionId, result.alreadyApplied], ['cd', true]);
    assert.deepEqual(bodies, [JSON.stringify({ statement: 'a.b.c' }), JSON.stringify({ statement: 'a.b.c' })], 'the very same statement, not a new one');
  });

  it('hands OUTCOME_UNKNOWN, with the transaction, to a caller that asked for no retries', async () => {
    unknown = 1;
    await assert.rejects(
      new GatewayClient({ baseUrl: base, outcomeRetries: 0 }).relay('a.b.c'),
      (err: GatewayHttpError) => err.status === 504 && err.code === 'OUTCOME_UNKNOWN' && err.problem.transactionId === 'cd',
    );
    assert.equal(bodies.length, 1);
  });
});

describe('gateway client: problem details and read-your-writes', () => {
  let server: Server;
  let base: string;
  const urls: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      urls.push(req.url ?? '');
      if (req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ transactionId: 'ab', blockNumber: '42', alreadyApplied: false }));
        return;
      }
      if (req.url?.startsWith('/api/v1/sources/missing') === true) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end(
          JSON.stringify({
            type: 'urn:isl:problem:SOURCE_NOT_FOUND',
            title: 'no such source',
            status: 404,
            detail: 'SOURCE_NOT_FOUND: source missing',
            code: 'SOURCE_NOT_FOUND',
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  after(() => {
    server.close();
  });

  it('reads the code and detail of an RFC 9457 answer', async () => {
    await assert.rejects(new GatewayClient({ baseUrl: base }).get('/sources/missing'), (err: GatewayHttpError) => {
      assert.deepEqual([err.status, err.code, err.problem.title], [404, 'SOURCE_NOT_FOUND', 'no such source']);
      assert.match(err.message, /^SOURCE_NOT_FOUND: source missing \(HTTP 404\)$/);
      return true;
    });
  });

  it('passes the block of its last write as ?minBlock= on later reads (and a given floor before any)', async () => {
    const client = new GatewayClient({ baseUrl: base, minBlock: 5n });
    await client.get('/sources');
    await client.relay('a.b.c');
    await client.get('/access', { source: 's' });
    await client.get('/events');
    assert.deepEqual(urls.slice(-4), ['/api/v1/sources?minBlock=5', '/api/v1/statements', '/api/v1/access?source=s&minBlock=42', '/api/v1/events']);
    assert.equal(client.minBlock, 42n);
  });
});
