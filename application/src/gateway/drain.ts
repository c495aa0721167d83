import type { FastifyInstance } from 'fastify';
import { HttpProblem, problem } from './problem';

/**
 * Shutting down without cutting anyone off. Once close() begins, a request
 * that still arrives (on a kept-alive connection) is answered 503
 * SHUTTING_DOWN with Retry-After, a problem like every other error (Fastify's
 * own closing answer is a bare JSON without code or hint); requests in flight
 * finish; event streams end, so their clients reconnect elsewhere with
 * Last-Event-ID instead of holding the shutdown until it is killed.
 * Registered before access: the answer is the same for everyone and says nothing.
 */
export function registerDrain(app: FastifyInstance): AbortSignal {
  const draining = new AbortController();
  app.addHook('preClose', (done) => {
    draining.abort();
    done();
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    if (!draining.signal.aborted) {
      done();
      return;
    }
    done(
      new HttpProblem(problem('SHUTTING_DOWN', 'this gateway is shutting down; send the request again, here after Retry-After or at another gateway'), {
        'retry-after': '1',
        connection: 'close',
      }),
    );
  });
  // Node closes only the connections idle when close() began; one that answers its last request later would
  // idle on (keep-alive) and hold close() open: close it once it is idle.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (draining.signal.aborted) {
      setImmediate(() => {
        app.server.closeIdleConnections();
      });
    }
    done();
  });
  return draining.signal;
}
