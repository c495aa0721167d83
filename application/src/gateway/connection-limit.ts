import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpProblem, problem } from './problem';

/**
 * At most `max` connections open at once from one client address: a request
 * on any connection beyond that is answered 429 TOO_MANY_CONNECTIONS before
 * anything else looks at it (no route, no ledger), and the connection is
 * closed. Keeps one client (e.g. many slow uploads) from holding every socket.
 * Behind a reverse proxy every client has the proxy's address: set the limit
 * there instead.
 *
 * The refusal is an answer to the request, not bytes written at accept: Node's
 * HTTP server has already attached its parser to the socket by then, so a
 * request sent on a socket refused that way was still served while its client
 * read 429 — a statement applied and reported refused (found by the fault
 * harness, docs/reliability.md).
 */
export function limitConnectionsPerClient(
  app: FastifyInstance,
  max: number,
  onRefused?: (address: string) => void,
): { readonly open: (address: string) => number } {
  const open = new Map<string, number>();
  const over = new WeakSet<Socket>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      over.add(socket);
      // A client that sends nothing on it does not keep the socket.
      socket.setTimeout(5_000, () => socket.destroy());
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!over.has(request.raw.socket)) return;
    onRefused?.(request.raw.socket.remoteAddress ?? 'unknown');
    reply.header('connection', 'close');
    throw new HttpProblem(problem('TOO_MANY_CONNECTIONS', `at most ${String(max)} connections from one client address at once; close one and retry`), {
      'retry-after': '1',
    });
  });
  return { open: (address) => open.get(address) ?? 0 };
}
