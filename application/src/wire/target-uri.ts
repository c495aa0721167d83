/**
 * The one spelling of a request's target URI that both the recipient (who
 * signs `@target-uri`) and the image source (who rebuilds it from its
 * registered URL) use: RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based
 * normalisation. See docs/protocol.md §8.2.
 */

/** The URI or request-target is not valid RFC 3986 / RFC 9112, or names another origin. */
export class TargetUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetUriError';
  }
}

const UNRESERVED = /^[A-Za-z0-9._~-]$/;
// RFC 3986 §3.3 path characters (pchar and "/"), §3.4 query; percent-encodings must be complete.
const PATH = /^(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$/;
const QUERY = /^(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*$/;
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(?::([0-9]{0,5}))?$/;
const DEFAULT_PORT: Readonly<Record<string, string>> = { https: '443', http: '80' };

/** §6.2.2.1 and §6.2.2.2: percent-encodings in upper case, unreserved characters decoded. */
function normalisePercent(text: string, grammar: RegExp, what: string): string {
  if (!grammar.test(text)) {
    throw new TargetUriError(`the ${what} is not valid (RFC 3986): malformed percent-encoding or a character that must be percent-encoded`);
  }
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
export function removeDotSegments(path: string): string {
  const output: string[] = [];
  let input = path;
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output.pop();
    } else if (input === '/..') {
      input = '/';
      output.pop();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const segment = next === -1 ? input : input.slice(0, next);
      output.push(segment);
      input = input.slice(segment.length);
    }
  }
  return output.join('');
}

/** A path (and query) of a request, canonical. */
function canonicalPathAndQuery(path: string, query: string | undefined): { path: string; query: string | undefined } {
  const p = removeDotSegments(normalisePercent(path, PATH, 'path'));
  return { path: p === '' ? '/' : p, query: query === undefined ? undefined : normalisePercent(query, QUERY, 'query') };
}

export interface CanonicalUri {
  /** scheme://host[:port], lower case, default port left out. */
  readonly origin: string;
  /** Starts with "/"; dot segments removed; unreserved characters decoded. */
  readonly path: string;
  readonly query: string | undefined;
  readonly href: string;
}

function join(origin: string, path: string, query: string | undefined): CanonicalUri {
  return { origin, path, query, href: `${origin}${path}${query === undefined ? '' : `?${query}`}` };
}

/**
 * Canonical form of an absolute http(s) URI: scheme and host in lower case,
 * the default port left out, an empty path as "/", percent-encodings in
 * upper case and unreserved characters decoded, dot segments removed, the
 * fragment dropped. No user information. Throws TargetUriError.
 */
export function canonicalUri(uri: string): CanonicalUri {
  const m = ABSOLUTE.exec(uri);
  if (!m) throw new TargetUriError('not an absolute URI');
  const scheme = (m[1] ?? '').toLowerCase();
  const defaultPort = DEFAULT_PORT[scheme];
  if (defaultPort === undefined) throw new TargetUriError(`scheme ${scheme} is not http or https`);
  const hostPort = HOST_PORT.exec(m[2] ?? '');
  if (!hostPort) throw new TargetUriError('the authority is not host[:port] (no user information, no percent-encoding)');
  const host = (hostPort[1] ?? '').toLowerCase();
  const rawPort = hostPort[2];
  const port = rawPort === undefined || rawPort === '' ? defaultPort : String(Number(rawPort));
  if (Number(port) > 65535) throw new TargetUriError('port out of range');
  const origin = `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}`;
  const { path, query } = canonicalPathAndQuery(m[3] ?? '', m[4]);
  return join(origin, path, query);
}

/**
 * The canonical target URI of a request received by the server registered
 * at `registered` (canonical): origin-form (`/path?query`) is taken relative
 * to the registered origin, `//x/...` being a path whose first segment is
 * empty (never an authority); absolute-form must name the registered origin.
 */
export function requestTargetUri(requestTarget: string, registered: CanonicalUri): CanonicalUri {
  if (requestTarget.startsWith('/')) {
    const q = requestTarget.indexOf('?');
    const { path, query } = canonicalPathAndQuery(q === -1 ? requestTarget : requestTarget.slice(0, q), q === -1 ? undefined : requestTarget.slice(q + 1));
    return join(registered.origin, path, query);
  }
  if (ABSOLUTE.test(requestTarget)) {
    const uri = canonicalUri(requestTarget);
    if (uri.origin !== registered.origin) {
      throw new MisdirectedRequest(`this server answers for ${registered.origin}, not ${uri.origin}`);
    }
    return uri;
  }
  throw new TargetUriError('the request-target is neither origin-form nor absolute-form');
}

/** An absolute-form request-target names another origin (RFC 9110 §15.5.20: 421). */
export class MisdirectedRequest extends TargetUriError {
  constructor(message: string) {
    super(message);
    this.name = 'MisdirectedRequest';
  }
}
