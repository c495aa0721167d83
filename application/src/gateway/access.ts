import type { FastifyInstance } from 'fastify';
import { authenticationFailed } from '../atna/audit-events';
import type { AuditSink } from '../atna/audit-trail';
import { HttpProblem, problem } from './problem';
import type { TokenStore } from './tokens';

/**
 * Who may call a route. Every route declares one in its config (`access`);
 * the server refuses to start with a route that does not, and authorisation
 * is decided by the route the router matched, never by the URL's spelling.
 *
 * - `public`: anyone, no token (the API's documents, health and metrics);
 * - `relay`: statement relays: anyone, rate-limited, for statements by
 *   patients and recipients; never with an auditor token. Statements that act
 *   for an organisation need its member token (statement-access.ts);
 * - `reader`: a member or an auditor token (ledger reads, events);
 * - `member`: a member token (publishing, the organisation's own writes);
 * - `auditor`: an auditor token (the audit).
 */
export const Accesses = ['public', 'relay', 'reader', 'member', 'auditor'] as const;
export type Access = (typeof Accesses)[number];

const isAccess = (value: unknown): value is Access => typeof value === 'string' && (Accesses as readonly string[]).includes(value);

/** The two kinds of token holder. */
export type Role = 'member' | 'auditor';

export interface Caller {
  /** The name the token was issued under. */
  readonly name: string;
  readonly role: Role;
}

/** Tokens issued under a name `auditor` or `auditor:<who>` (e.g. auditor:payer) hold the auditor role. */
const roleOf = (name: string): Role => (name === 'auditor' || name.startsWith('auditor:') ? 'auditor' : 'member');

/** The bearer token of an Authorization header (scheme case-insensitive, RFC 9110 §11.1); '' for another scheme. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match?.[1] ?? '';
}

/**
 * Why `caller` may not use a route of `access` (undefined: it may).
 * `presented`: a token was sent (an invalid one is refused even where none is needed).
 * `access` undefined: no route matched; a valid token is needed before the 404.
 */
export function refusal(access: Access | undefined, caller: Caller | undefined, presented: boolean): HttpProblem | undefined {
  if (access === 'public') return undefined;
  if (presented && caller === undefined) return unauthenticated('the bearer token is not valid at this gateway');
  switch (access) {
    case 'relay':
      return caller?.role === 'auditor' ? new HttpProblem(problem('MEMBER_REQUIRED', 'auditor tokens read; they cannot relay statements')) : undefined;
    case 'member':
      if (caller === undefined) return unauthenticated('this needs a member token of this gateway');
      return caller.role === 'member' ? undefined : new HttpProblem(problem('MEMBER_REQUIRED', 'auditor tokens read; this needs a member token'));
    case 'auditor':
      if (caller === undefined) return unauthenticated('this needs an auditor token of this gateway');
      return caller.role === 'auditor' ? undefined : new HttpProblem(problem('AUDITOR_REQUIRED', 'the audit needs a bearer token issued to an auditor'));
    case 'reader':
    case undefined:
      return caller === undefined ? unauthenticated('this needs a bearer token of this gateway') : undefined;
  }
}

export function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem(problem('UNAUTHENTICATED', detail), { 'www-authenticate': 'Bearer' });
}

/** Routes under this prefix are the API's documentation pages (registered by @fastify/swagger-ui): public. */
export const DOCS_PREFIX = '/api/v1/docs';

/**
 * Authenticates every request by the route the router matched: the first
 * onRequest hook, so nothing else (admission, rate limits, handlers) sees an
 * unauthorised request. Call before any route is registered.
 */
export function registerAccess(app: FastifyInstance, tokens: TokenStore, audit?: { readonly sink: AuditSink; readonly node: string }): void {
  app.addHook('onRoute', (route) => {
    const declared: unknown = route.config?.access;
    const access = declared ?? (route.url.startsWith(DOCS_PREFIX) ? 'public' : undefined);
    if (!isAccess(access)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access: ${Accesses.join(' | ')})`);
    }
    route.config = { ...route.config, access };
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const token = bearerToken(request.headers.authorization);
    const name = token === undefined || token === '' ? undefined : tokens.verify(token);
    const caller = name === undefined ? undefined : { name, role: roleOf(name) };
    if (caller !== undefined) request.caller = caller;
    const access = request.is404 ? undefined : request.routeOptions.config.access;
    const refused = refusal(access, caller, token !== undefined);
    // A failed authentication is audited (IHE ITI-20); the token itself never is.
    if (audit !== undefined && refused?.code === 'UNAUTHENTICATED') {
      const reason = token === undefined ? 'no bearer token' : 'bearer token not valid at this gateway';
      audit.sink.record(
        authenticationFailed({
          address: request.ip,
          node: audit.node,
          reason: `${reason}: ${request.method} ${request.routeOptions.url ?? 'unmatched route'}`,
          at: new Date(),
        }),
      );
    }
    done(refused);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (access.ts). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The token holder, when a valid bearer token came. */
    caller?: Caller;
  }
}
