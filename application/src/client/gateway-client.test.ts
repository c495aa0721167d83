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
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ error: { code: 'OVERLOADED', message: 'busy' } }));
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
    await assert.rejects(new GatewayClient({ baseUrl: base, overloadRetries: 2 }).relay('a.b.c'), (err: GatewayHttpError) => err.code === 'OVERLOADED' && err.status === 503 && err.retryAfterMs === 0);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(new GatewayClient({ baseUrl: base, overloadRetries: 0 }).relay('a.b.c'), /OVERLOADED/);
    assert.equal(calls, 1);
  });
});
