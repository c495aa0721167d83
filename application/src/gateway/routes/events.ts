import type { FastifyInstance } from 'fastify';
import type { Network } from '@hyperledger/fabric-gateway';
import { chaincodeEvents, type LedgerEvent } from '../event-stream';
import type { EventHub } from '../event-hub';
import { wholeNumberParam } from './whole-number';

interface EventQuery {
  readonly study?: string;
  readonly key?: string;
  readonly from?: string;
}

function matches(event: LedgerEvent, q: EventQuery): boolean {
  const p = event.payload;
  const keys = [p.source, p.study, p.recipient, p.patient, p.key].filter((v): v is string => typeof v === 'string');
  if (q.study !== undefined && p.study !== q.study) {
    return false;
  }
  if (q.key !== undefined && !keys.some((k) => k === q.key || k.includes(`/${q.key}`))) {
    return false;
  }
  return true;
}

/** The stream's answer, for the OpenAPI document (the handler writes it itself). */
const streamResponse = {
  description: 'The stream: `id: <block>:<transaction>`, `event: <name>`, `data: <JSON>` per ledger event (resume with Last-Event-ID)',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

/** Server-sent events: live from the hub, or replayed from a block (from= or Last-Event-ID) then live. */
export function registerEventRoutes(app: FastifyInstance, hub: EventHub, network: Network, chaincode: string, draining: AbortSignal): void {
  app.get<{ Querystring: EventQuery }>(
    '/api/v1/events',
    {
      // A long-lived stream: no admission place (it would hold one for hours).
      config: { access: 'reader', problems: ['ARGUMENT_INVALID'] },
      schema: {
        tags: ['events'],
        summary: 'Ledger events as server-sent events, filterable by study or key, resumable from a block number',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            study: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
            key: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'a source, patient or recipient key id' },
            from: wholeNumberParam(19, 'replay from this block number'),
          },
        },
        response: { 200: streamResponse },
      },
    },
    async (request, reply) => {
      const lastId = request.headers['last-event-id'];
      const resumeAfter = typeof lastId === 'string' && /^\d+:[0-9a-f]{64}$/.test(lastId) ? lastId : undefined;
      const from =
        resumeAfter !== undefined ? BigInt(resumeAfter.split(':')[0] ?? '0') : request.query.from !== undefined ? BigInt(request.query.from) : undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      const send = (e: LedgerEvent): void => {
        if (matches(e, request.query)) {
          res.write(`id: ${e.id}\nevent: ${e.name}\ndata: ${JSON.stringify(e)}\n\n`);
        }
      };
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const abort = new AbortController();
      request.raw.on('close', () => {
        abort.abort();
      });
      // The gateway is shutting down: end the stream; the client resumes elsewhere from its Last-Event-ID.
      const onDrain = (): void => {
        abort.abort();
      };
      if (draining.aborted) abort.abort();
      draining.addEventListener('abort', onDrain, { once: true });
      try {
        if (from === undefined) {
          const unsubscribe = hub.subscribe(send);
          await new Promise<void>((resolve) => {
            abort.signal.addEventListener('abort', () => {
              resolve();
            });
          });
          unsubscribe();
        } else {
          // Replay from the block, skipping up to and including the last event the client saw.
          let skipping = resumeAfter !== undefined;
          for await (const e of chaincodeEvents({ network, chaincode, startBlock: from }, abort.signal)) {
            if (skipping && BigInt(e.blockNumber) > from) {
              skipping = false;
            }
            if (skipping) {
              if (e.id === resumeAfter) {
                skipping = false;
              }
              continue;
            }
            send(e);
          }
        }
      } finally {
        draining.removeEventListener('abort', onDrain);
        clearInterval(keepAlive);
        // Ended by the shutdown: close the connection too, or it would idle on and hold the server's close.
        if (draining.aborted) res.end(() => res.socket?.destroy());
        else res.end();
      }
    },
  );
}
