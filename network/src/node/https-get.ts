import { request } from 'node:https';

/** GET over TLS trusting only `ca` (a CA, an image source), bounded; the status and body. */
export function httpsGet(url: string, ca: Buffer, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${String(timeoutMs)} ms`)));
    req.on('error', reject);
    req.end();
  });
}
