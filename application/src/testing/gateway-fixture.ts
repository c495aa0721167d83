import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Network } from '@hyperledger/fabric-gateway';
import { EventHub } from '../gateway/event-hub';
import { PublishError } from '../publishing/publisher';
import { GatewayMetrics } from '../gateway/metrics';
import type { CommittedBlocks } from '../gateway/peer-blocks';
import type { PublicationRoutesOptions, PublicationSteps } from '../gateway/routes/publications';
import { buildGatewayServer, type GatewayServerOptions } from '../gateway/server';
import { TokenStore } from '../gateway/tokens';
import { LedgerUnavailable } from '../ledger/errors';
import type { LedgerCalls, Submitted } from '../ledger/ledger-client';

/** Every call that reached the (fake) ledger, publisher or block source. */
export interface Reached {
  readonly ledger: string[];
  readonly publisher: string[];
  /** Every request's matched route as the OpenAPI document names it (`/api/v1/sources/{source}`); undefined: none matched. */
  readonly matched: (string | undefined)[];
}

export interface GatewayFixture {
  readonly app: FastifyInstance;
  readonly port: number;
  readonly base: string;
  /** This gateway's member and auditor tokens, and a member token of another organisation's gateway. */
  readonly tokens: { readonly member: string; readonly auditor: string; readonly otherOrg: string };
  readonly reached: Reached;
  readonly metrics: GatewayMetrics;
  /** The fake peer's blocks (raise `height` to commit). */
  readonly blocks: FakeBlocks;
  close(): Promise<void>;
}

export interface FixtureOptions extends Partial<Omit<GatewayServerOptions, 'ledger'>> {
  /** What a submit answers (default: committed in block 7). */
  readonly submit?: (transaction: string, args: readonly string[]) => Promise<Submitted<unknown>>;
  readonly evaluate?: (transaction: string, args: readonly string[]) => Promise<unknown>;
}

/** Blocks a fake peer has: 0..height-1. */
export class FakeBlocks implements CommittedBlocks {
  height = 10n;
  /** Reads waiting for a block right now (?minBlock= beyond the height). */
  waiting = 0;
  readonly original = new Map<string, bigint>();
  observe(block: bigint): void {
    if (block >= this.height) this.height = block + 1n;
  }
  reach(block: bigint, timeoutMs: number): Promise<boolean> {
    if (block < this.height) return Promise.resolve(true);
    this.waiting++;
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        if (block < this.height || Date.now() >= deadline) {
          clearInterval(poll);
          this.waiting--;
          resolve(block < this.height);
        }
      }, 5);
    });
  }
  blockOf(transactionId: string): Promise<bigint | undefined> {
    return Promise.resolve(this.original.get(transactionId));
  }
}

/**
 * A gateway application over real HTTP (its real server, hooks and routes)
 * with fakes for the ledger, the peer's blocks and the image source: fast
 * unit tests of the HTTP layer. Whatever reaches a fake is recorded.
 */
export async function startGatewayFixture(o: FixtureOptions = {}): Promise<GatewayFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'isl-gateway-fixture-'));
  const reached: Reached = { ledger: [], publisher: [], matched: [] };
  const tokens = new TokenStore(join(dir, 'tokens.json'));
  const member = tokens.issue('member-systems');
  const auditor = tokens.issue('auditor');
  const otherOrg = new TokenStore(join(dir, 'other-tokens.json')).issue('member-systems');
  const ledger: LedgerCalls = {
    submit: async <T>(transaction: string, args: readonly string[]): Promise<Submitted<T>> => {
      reached.ledger.push(transaction);
      const s = o.submit ? await o.submit(transaction, args) : { result: {}, transactionId: 'f'.repeat(64), blockNumber: 7n, attempts: 1 };
      return s as Submitted<T>;
    },
    evaluate: async <T>(transaction: string, args: readonly string[]): Promise<T> => {
      reached.ledger.push(transaction);
      return ((await o.evaluate?.(transaction, args)) ?? []) as T;
    },
  };
  const network = fakeNetwork(reached);
  const metrics = o.metrics ?? new GatewayMetrics({ org: 'Hospital1MSP' });
  const blocks = new FakeBlocks();
  const app = await buildGatewayServer({
    mspId: 'Hospital1MSP',
    network,
    chaincode: 'isl',
    tokens,
    metrics,
    hub: new EventHub(),
    blocks,
    anonymousRatePerMinute: 1000,
    ready: () => Promise.resolve(true),
    logLevel: 'silent',
    publications: fixturePublications(reached, join(dir, 'uploads')),
    ...o,
    ledger,
  });
  recordMatches(app, reached.matched);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    port,
    base: `http://127.0.0.1:${String(port)}`,
    tokens: { member, auditor, otherOrg },
    reached,
    metrics,
    blocks,
    close: async () => {
      // A test that failed mid-request must not leave its after hook waiting on that request.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Publishing with a publisher that holds nothing: its refusals are the real, coded ones. */
function fixturePublications(reached: Reached, spoolDir: string): PublicationRoutesOptions {
  const step = (name: string, code: 'NO_DICOM_FILES' | 'PUBLICATION_NOT_FOUND') => (): Promise<never> => {
    reached.publisher.push(name);
    return Promise.reject(new PublishError(code, `the fixture's publisher has nothing to ${name}`));
  };
  const publisher: PublicationSteps = {
    stage: step('stage', 'NO_DICOM_FILES'),
    define: step('define', 'PUBLICATION_NOT_FOUND'),
    withdraw: step('withdraw', 'PUBLICATION_NOT_FOUND'),
  };
  return {
    publisher: () => {
      reached.publisher.push('open');
      return Promise.resolve(publisher);
    },
    studies: {
      all: () => {
        reached.publisher.push('all');
        return [];
      },
      byReference: () => {
        reached.publisher.push('byReference');
        return undefined;
      },
    },
    spoolDir,
    limits: { maxBytes: 1024 * 1024, maxInstances: 10 },
  };
}

/**
 * Records the route each request matched, when it is answered (onSend) or, for an event
 * stream that writes its own answer, once it passed authentication (onRequest).
 */
function recordMatches(app: FastifyInstance, matched: (string | undefined)[]): void {
  const record = (request: FastifyRequest): void => {
    matched.push(request.is404 ? undefined : request.routeOptions.url?.replace(/:(\w+)/g, '{$1}'));
  };
  app.addHook('onRequest', (request, _reply, done) => {
    record(request);
    done();
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    record(request);
    return payload;
  });
}

/** The fixture's network: the chaincode's queries answer empty lists; the rest fails as an unreachable peer would. */
function fakeNetwork(reached: Reached): Network {
  const unreachable = (): Promise<never> => Promise.reject(new LedgerUnavailable("the fixture's network does not answer"));
  const known = {
    getName: () => 'imaging',
    getContract: (chaincode: string) => ({
      evaluateTransaction: (name: string) => {
        reached.ledger.push(name);
        // The chaincode's queries answer empty lists; the system chaincodes (blocks) are not there.
        return chaincode === 'qscc' ? unreachable() : Promise.resolve(new TextEncoder().encode('[]'));
      },
    }),
    getChaincodeEvents: () => {
      reached.ledger.push('ChaincodeEvents');
      return unreachable();
    },
  };
  return new Proxy(known, { get: (target, name) => (name in target ? target[name as keyof typeof known] : unreachable) }) as unknown as Network;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank
 * line) and `body` exactly as written, over a fresh socket: no client
 * normalises the request-target. Resolves with the answer once it is complete
 * (an event stream: once its headers came), or when the server closes.
 */
/** The answer after any interim 1xx answers (a 100 Continue to `expect: 100-continue`), as latin1 text. */
function finalAnswer(data: Buffer): string {
  let text = data.toString('latin1');
  while (/^HTTP\/1\.1 1\d\d /.test(text)) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return '';
    text = text.slice(end + 4);
  }
  return text;
}

export function rawRequest(port: number, head: string, body = '', timeoutMs = 30_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let settled = false;
    // A test must name the request that got no answer, not hang until mocha's timeout (and then its after hook).
    socket.setTimeout(timeoutMs, () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(
        new Error(
          `no answer within ${String(timeoutMs)} ms to ${JSON.stringify(head.slice(0, 400))}; received ${JSON.stringify(data.toString('latin1').slice(0, 400))}`,
        ),
      );
    });
    const finish = (): void => {
      const text = finalAnswer(data);
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        if (!settled) reject(new Error(`no complete answer to ${head.split('\r\n')[0] ?? ''}: ${JSON.stringify(text)}`));
        settled = true;
        return;
      }
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      settled = true;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(text.slice(end + 4), 'latin1').toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const text = finalAnswer(data);
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = text.slice(0, end).toLowerCase();
      const length = /\r\ncontent-length: *(\d+)/.exec(head)?.[1];
      if (
        head.includes('text/event-stream') ||
        (length !== undefined && text.length >= end + 4 + Number(length)) ||
        (head.includes('chunked') && text.endsWith('0\r\n\r\n'))
      ) {
        finish();
      }
    });
    socket.on('close', () => {
      if (!settled) finish();
    });
    socket.on('error', (err) => {
      if (!settled && data.length === 0) {
        settled = true;
        reject(err);
      }
    });
    const withLength = body === '' ? head : `${head}\r\ncontent-length: ${String(Buffer.byteLength(body))}`;
    // Not end(): Node aborts a request in progress when its client half-closes.
    socket.write(`${withLength}\r\n\r\n${body}`);
  });
}
