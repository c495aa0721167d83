import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AdmissionOptions {
  /** Most ledger writes in progress at once; beyond it, new ones are turned away at once. */
  readonly maxInFlight: number;
  /** Seconds a turned-away client is told to wait (Retry-After). */
  readonly retryAfterSeconds?: number;
  /** Told of every write turned away. */
  readonly onShed?: () => void;
}

const admitted = new WeakSet<FastifyRequest>();

/**
 * Admission control for ledger writes (POST under /api/v1). Past capacity a
 * queue only adds latency and memory: every queued write would wait behind
 * the others, and the process would keep the heap it grew. So beyond
 * `maxInFlight` a write is answered 503 OVERLOADED with Retry-After at once;
 * nothing was acknowledged, so nothing is lost, and the client retries.
 */
export function registerAdmission(app: FastifyInstance, o: AdmissionOptions): { readonly inFlight: () => number } {
  let inFlight = 0;
  const leave = (request: FastifyRequest): void => {
    if (admitted.delete(request)) inFlight--;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !request.url.startsWith('/api/v1/')) return;
    if (inFlight >= o.maxInFlight) {
      o.onShed?.();
      await reply
        .code(503)
        .header('retry-after', String(o.retryAfterSeconds ?? 1))
        .header('connection', 'close')
        .send({ error: { code: 'OVERLOADED', message: `this gateway has ${String(inFlight)} writes in progress, its limit; retry after the Retry-After delay` } });
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
