import type { Server, Socket } from 'node:net';
import { problem, PROBLEM_MEDIA_TYPE } from './problem';

/**
 * At most `max` connections open at once from one client address: the next
 * one is answered 429 TOO_MANY_CONNECTIONS and closed, before any request on
 * it is read. Keeps one client (e.g. many slow uploads) from holding every
 * socket. Behind a reverse proxy every client has the proxy's address: set
 * the limit there instead.
 */
export function limitConnectionsPerClient(server: Server, max: number, onRefused?: (address: string) => void): { readonly open: (address: string) => number } {
  const open = new Map<string, number>();
  const body = JSON.stringify(problem('TOO_MANY_CONNECTIONS', `at most ${String(max)} connections from one client address at once; close one and retry`));
  const refusal =
    `HTTP/1.1 429 Too Many Requests\r\ncontent-type: ${PROBLEM_MEDIA_TYPE}\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\n` +
    `retry-after: 1\r\nconnection: close\r\n\r\n${body}`;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      onRefused?.(address);
      socket.end(refusal);
      // A client that does not read the refusal does not keep the socket.
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
  return { open: (address) => open.get(address) ?? 0 };
}
