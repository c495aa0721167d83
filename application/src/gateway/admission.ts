import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AdmissionOptions {
  /** What is limited, for the error message and metrics: e.g. `writes`. */
  readonly kind: string;
  /** The requests this limit counts. */
  readonly applies: (request: FastifyRequest) => boolean;
  /** Most of them in progress at once; beyond it, new ones are turned away at once. */
  readonly maxInFlight: number;
  /** Seconds a turned-away client is told to wait (Retry-After). */
  readonly retryAfterSeconds?: number;
  /** Told of every request turned away. */
  readonly onShed?: (kind: string) => void;
}

/**
 * Admission control for ledger requests. Past capacity a queue only adds
 * latency and memory: every queued request would wait behind the others, and
 * the process would keep the heap it grew. So beyond `maxInFlight` a request
 * is answered 503 OVERLOADED with Retry-After at once; nothing was done or
 * acknowledged, so nothing is lost, and the client retries.
 */
export function registerAdmission(app: FastifyInstance, o: AdmissionOptions): { readonly inFlight: () => number } {
  const admitted = new WeakSet<FastifyRequest>();
  let inFlight = 0;
  const leave = (request: FastifyRequest): void => {
    if (admitted.delete(request)) inFlight--;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (!o.applies(request)) return;
    if (inFlight >= o.maxInFlight) {
      o.onShed?.(o.kind);
      await reply
        .code(503)
        .header('retry-after', String(o.retryAfterSeconds ?? 1))
        .header('connection', 'close')
        .send({ error: { code: 'OVERLOADED', message: `this gateway has ${String(inFlight)} ${o.kind} in progress, its limit; retry after the Retry-After delay` } });
      return;
    }
    inFlight++;
    admitted.add(request);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    leave(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    leave(request);
    done();
  });
  return { inFlight: () => inFlight };
}

/** Ledger writes: every POST of the API. */
export const isWrite = (request: FastifyRequest): boolean => request.method === 'POST' && request.url.startsWith('/api/v1/');

/** Ledger reads: GETs of the API, except the long-lived event stream and the API's documents. */
export const isRead = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.url.startsWith('/api/v1/') && !/^\/api\/v1\/(events|docs|openapi\.json)(\/|\?|$)/.test(request.url);
