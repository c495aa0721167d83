import { canonicalUri, MisdirectedRequest, requestTargetUri, TargetUriError, type CanonicalUri } from '../wire/target-uri';

/**
 * The image source's routes, matched on the canonical path (RFC 3986 §6:
 * percent-encodings of unreserved characters decoded, dot segments removed)
 * relative to the registered URL. Each route says how it is authorised, so
 * access never depends on how the URL was spelled or on a prefix of it.
 */
export type Route =
  | { readonly name: 'healthz'; readonly auth: 'public' }
  | { readonly name: 'wado-rs'; readonly auth: 'signature'; readonly study: string; readonly target: CanonicalUri }
  | { readonly name: 'iti43'; readonly auth: 'signature'; readonly target: CanonicalUri }
  | { readonly name: 'rad69'; readonly auth: 'signature'; readonly target: CanonicalUri };

/** No route answers this request: the status and a short reason. */
export interface NoRoute {
  readonly name: 'none';
  readonly status: 400 | 404 | 405 | 421;
  readonly error: 'bad-request' | 'not-found' | 'method-not-allowed' | 'misdirected';
  readonly message: string;
  readonly allow?: string;
}

export class ImageSourceRoutes {
  readonly #registered: CanonicalUri;
  /** The registered path without its trailing "/", e.g. "" for https://host:port. */
  readonly #base: string;

  constructor(publicUrl: string) {
    this.#registered = canonicalUri(publicUrl);
    this.#base = this.#registered.path.replace(/\/$/, '');
  }

  match(method: string | undefined, requestTarget: string | undefined): Route | NoRoute {
    let target: CanonicalUri;
    try {
      target = requestTargetUri(requestTarget ?? '', this.#registered);
    } catch (err) {
      if (err instanceof MisdirectedRequest) return { name: 'none', status: 421, error: 'misdirected', message: err.message };
      if (err instanceof TargetUriError) return { name: 'none', status: 400, error: 'bad-request', message: `malformed request-target: ${err.message}` };
      throw err;
    }
    const path = target.path;
    const allowOnly = (allow: string): NoRoute => ({ name: 'none', status: 405, error: 'method-not-allowed', message: `use ${allow}`, allow });
    // ITI-43 is served at the registered URL itself, in its canonical spelling only.
    if (path === this.#registered.path) {
      return method === 'POST' ? { name: 'iti43', auth: 'signature', target } : allowOnly('POST');
    }
    const rest = path.startsWith(`${this.#base}/`) ? path.slice(this.#base.length) : undefined;
    if (rest === '/rad69') {
      return method === 'POST' ? { name: 'rad69', auth: 'signature', target } : allowOnly('POST');
    }
    if (rest === '/healthz') {
      return method === 'GET' ? { name: 'healthz', auth: 'public' } : allowOnly('GET');
    }
    const study = rest === undefined ? undefined : /^\/studies\/([^/]+)$/.exec(rest)?.[1];
    if (study !== undefined) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(study);
      } catch {
        return { name: 'none', status: 400, error: 'bad-request', message: 'the study reference is not valid percent-encoded UTF-8' };
      }
      return method === 'GET' ? { name: 'wado-rs', auth: 'signature', study: decoded, target } : allowOnly('GET');
    }
    return { name: 'none', status: 404, error: 'not-found', message: 'no such endpoint' };
  }
}
