import type { FastifyInstance } from 'fastify';
import { HttpProblem, problem } from './problem';

/** The in-flight limits a route counts against (declared in its config, like its access). */
export type AdmissionKind = 'writes' | 'reads';

export interface AdmissionOptions {
  /** The routes whose config declares this kind are counted (e.g. `writes`); also the metric label. */
  readonly kind: AdmissionKind;
  /** Most of them in progress at once; beyond it, new ones are turned away at once. */
  readonly maxInFlight: number;
  /** Seconds a turned-away client is told to wait (Retry-After). */
  readonly retryAfterSeconds?: number;
  /** Told of every request turned away. */
  readonly onShed?: (kind: string) => void;
}

export interface Admission {
  readonly kind: AdmissionKind;
  readonly inFlight: () => number;
}

/**
 * Admission control for ledger requests. Past capacity a queue only adds
 * latency and memory: every queued request would wait behind the others, and
 * the process would keep the heap it grew. So beyond `maxInFlight` a request
 * is answered 503 OVERLOADED with Retry-After at once; nothing was done or
 * acknowledged, so nothing is lost, and the client retries.
 *
 * A place is taken by the matched route's declared kind (never the URL's
 * spelling) and given back when the response closes: Node emits `close` on
 * every ServerResponse exactly once, however the exchange ends (answered,
 * client gone while the handler still ran, socket cut by a server timeout,
 * an error in any hook), so no way of ending can keep a place.
 */
export function registerAdmission(app: FastifyInstance, o: AdmissionOptions): Admission {
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404 || request.routeOptions.config.admission !== o.kind) return;
    if (inFlight >= o.maxInFlight) {
      o.onShed?.(o.kind);
      throw new HttpProblem(problem('OVERLOADED', `this gateway has ${String(inFlight)} ${o.kind} in progress, its limit; retry after the Retry-After delay`), {
        'retry-after': String(o.retryAfterSeconds ?? 1),
      });
    }
    // A client already gone takes no place (its close came before this hook).
    if (reply.raw.closed || request.raw.socket.destroyed) return;
    inFlight++;
    reply.raw.once('close', () => {
      inFlight--;
    });
  });
  return { kind: o.kind, inFlight: () => inFlight };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The in-flight limit the route counts against; none for routes that do not reach the ledger. */
    admission?: AdmissionKind;
  }
}
