import { fetchAnswer } from '@isl/platform';
import type { Endpoint } from '../topology/topology';

/** GET on a node's operations endpoint (plain HTTP on loopback). */
export async function getOperations(endpoint: Endpoint, path: string, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  const answer = await fetchAnswer(`http://${endpoint.host}:${String(endpoint.port)}${path}`, { timeoutMs });
  return { status: answer.status, body: answer.body.toString('utf8') };
}

export async function healthy(endpoint: Endpoint): Promise<boolean> {
  const { status } = await getOperations(endpoint, '/healthz');
  return status === 200;
}

/** One gauge's value from a Prometheus text exposition, matched by name and label subset. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) {
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) {
      continue;
    }
    const found = new Map<string, string>();
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(l[1] ?? '', l[2] ?? '');
    }
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) {
      return Number(m[4]);
    }
  }
  return undefined;
}
