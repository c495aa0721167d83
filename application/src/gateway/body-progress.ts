import type { FastifyInstance } from 'fastify';
import { problem, PROBLEM_MEDIA_TYPE } from './problem';

export interface BodyProgressOptions {
  /** How often the body's progress is checked. */
  readonly windowMs: number;
  /** Bytes a body still arriving must have progressed by in each window. */
  readonly minBytesPerWindow: number;
}

/**
 * Slow bodies are cut off: a request whose body is still arriving must have
 * sent at least `minBytesPerWindow` bytes in each `windowMs`, else it is
 * answered 408 REQUEST_TIMEOUT and its connection closed (which ends the
 * request, so its admission place is given back). A fixed total deadline
 * would cut large uploads on slow links; a rate floor cuts only tricklers.
 * Progress is read from the socket's byte count, so bodies the handler
 * streams itself (uploads) are watched too, without touching the stream.
 */
export function registerBodyProgress(app: FastifyInstance, o: BodyProgressOptions, onCut?: () => void): void {
  app.addHook('onRequest', async (request, reply) => {
    const req = request.raw;
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (!hasBody || req.complete) return;
    const socket = req.socket;
    let seen = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) {
        clearInterval(timer);
        return;
      }
      const now = socket.bytesRead;
      if (now - seen >= o.minBytesPerWindow) {
        seen = now;
        return;
      }
      clearInterval(timer);
      onCut?.();
      const detail = `the body arrived at less than ${String(o.minBytesPerWindow)} bytes per ${String(o.windowMs)} ms`;
      request.log.info({ received: now - seen }, 'slow request body cut off');
      if (reply.raw.headersSent) {
        socket.destroy();
        return;
      }
      const body = JSON.stringify(problem('REQUEST_TIMEOUT', detail));
      reply.raw.writeHead(408, { 'content-type': PROBLEM_MEDIA_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' });
      reply.raw.end(body, () => socket.destroy());
    }, o.windowMs);
    timer.unref();
    reply.raw.once('close', () => {
      clearInterval(timer);
    });
  });
}
