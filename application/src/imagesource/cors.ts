import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a portal sends with a signed WADO-RS request (docs/protocol.md §8.2). */
const ALLOWED_HEADERS = 'accept, isl-recipient-key, signature, signature-input';
/** Seconds a browser may keep a preflight's answer. */
const MAX_AGE = '600';

/**
 * Cross-origin access to the image source for the consortium's portals and
 * for nobody else: a request from a listed origin gets
 * Access-Control-Allow-Origin naming it; any other origin gets no CORS
 * header (so its page cannot read the answer) and its preflights are refused.
 * Only WADO-RS (GET) is offered across origins; the signature, not the
 * origin, still decides what is released.
 */
export class CorsPolicy {
  readonly #origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.#origins = new Set(origins);
  }

  /** The origin of a request from an allowed portal, else undefined. */
  allowed(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    return origin !== undefined && this.#origins.has(origin) ? origin : undefined;
  }

  /** Adds the CORS headers an allowed portal's actual request needs. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    const origin = this.allowed(req);
    res.setHeader('vary', 'Origin');
    if (origin !== undefined) res.setHeader('access-control-allow-origin', origin);
  }

  /** Answers a CORS preflight (OPTIONS with Access-Control-Request-Method); false when the request is not one. */
  preflight(req: IncomingMessage, res: ServerResponse, wadoRs: boolean): boolean {
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
    req.resume();
    const origin = this.allowed(req);
    if (origin === undefined || !wadoRs || req.headers['access-control-request-method'] !== 'GET') {
      res
        .writeHead(403, { 'content-type': 'application/json', vary: 'Origin' })
        .end(JSON.stringify({ error: 'cors-refused', message: 'cross-origin requests are for the consortium portals, WADO-RS GET only' }));
      return true;
    }
    res
      .writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': MAX_AGE,
        vary: 'Origin',
      })
      .end();
    return true;
  }
}
