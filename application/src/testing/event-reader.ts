import { request } from 'node:http';

/** Reads server-sent events from a gateway into an array, until closed. */
export function openEvents(
  url: string,
  token: string,
  lastEventId?: string,
): { events: { id: string; name: string; data: Record<string, unknown> }[]; close: () => void } {
  const events: { id: string; name: string; data: Record<string, unknown> }[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) {
    headers['last-event-id'] = lastEventId;
  }
  const req = request(url, { headers }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string): string | undefined =>
          block
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        const data = field('data');
        if (data !== undefined) {
          events.push({ id: field('id') ?? '', name: field('event') ?? '', data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { events, close: () => req.destroy() };
}
