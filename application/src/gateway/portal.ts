import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpProblem, problem } from './problem';

/** What the portal needs from its gateway (served as /portal/config.json). */
export interface PortalOptions {
  /** The built portal (portal/dist); absent or empty: /portal answers that it is not built. */
  readonly dir: string;
  readonly org: string;
  /** The statement audience, isl:<channel>/<chaincode>. */
  readonly audience: string;
  /** Image sources the portal may fetch images from (CSP connect-src). */
  readonly imageSources: readonly string[];
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** Every file of the built portal, read once at start: requests look paths up, never touch the file system. */
function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string): void => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = TYPES[extname(name)];
        if (type !== undefined) assets.set(relative(dir, path).split(sep).join('/'), { body: readFileSync(path), type });
      }
    }
  };
  walk(dir);
  return assets;
}

/**
 * The Content-Security-Policy of every portal response: only the portal's
 * own scripts, styles and workers (Cornerstone's decoders need WebAssembly,
 * hence 'wasm-unsafe-eval', which allows compiling WebAssembly and not
 * JavaScript eval); connections to this gateway and the consortium's image
 * sources only; no frames, forms, plugins or base-URI changes.
 */
export function portalCsp(imageSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${imageSources.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * Serves the portal at /portal/ (public: it holds no data; every read it
 * makes goes through the API's own access rules). A file path is looked up
 * among the built files; anything else is 404, so no path reaches the disk.
 */
export function registerPortal(app: FastifyInstance, o: PortalOptions): void {
  const assets = readAssets(o.dir);
  const headers = {
    'content-security-policy': portalCsp(o.imageSources),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
  const config = { access: 'public', problems: ['NOT_FOUND'] } as const;
  const send = (reply: FastifyReply, path: string): FastifyReply => {
    const asset = assets.get(path);
    if (asset === undefined) {
      const detail = assets.size === 0 ? 'the portal is not built here (npm run build -w portal)' : `no portal file ${path}`;
      throw new HttpProblem(problem('NOT_FOUND', detail));
    }
    const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply
      .headers({ ...headers, 'cache-control': cache })
      .type(asset.type)
      .send(asset.body);
  };
  app.get('/portal', { config, schema: { hide: true } }, (_req, reply) => reply.redirect('/portal/'));
  app.get('/portal/', { config, schema: { hide: true } }, (_req, reply) => send(reply, 'index.html'));
  app.get('/portal/config.json', { config, schema: { hide: true } }, (_req, reply) => reply.headers(headers).send({ org: o.org, audience: o.audience }));
  app.get<{ Params: { '*': string } }>('/portal/*', { config, schema: { hide: true } }, (req, reply) => send(reply, req.params['*']));
}
