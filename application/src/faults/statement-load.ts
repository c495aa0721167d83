import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { setTimeout as pause } from 'node:timers/promises';
import { classifyHttpAnswer, classifyTransportFailure, type Answer } from './answer';

/** A gateway the load relays through: its REST base URL and the member token of its organisation. */
export interface LoadTarget {
  readonly name: string;
  readonly url: string;
  readonly token: string;
}

/** One statement the load will send: the signed statement and what identifies its effect on the ledger. */
export interface LoadStatement {
  readonly statement: string;
  readonly source: string;
  readonly study: string;
  readonly recipient: string;
}

/** One statement sent, and what its client was told. */
export interface SentStatement extends LoadStatement {
  readonly index: number;
  readonly gateway: string;
  /** Milliseconds since the epoch. */
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly answer: Answer;
}

export interface LoadOptions {
  readonly targets: readonly LoadTarget[];
  /** Offered statements per second, spread round-robin over the targets. */
  readonly rate: number;
  readonly durationMs: number;
  /** Signs statement `index` just before it is sent (statements live 300 s: signing them all up front would age them). */
  readonly statement: (index: number) => Promise<LoadStatement>;
  /** The client's own deadline per request: a request unanswered by then counts as a timeout. */
  readonly requestTimeoutMs: number;
  /** Aborts the load early (e.g. the power is cut): statements not yet due are not sent. */
  readonly signal?: AbortSignal;
}

/** Collects a response's body and hands it over parsed as JSON (undefined when it is not JSON). */
export function onJson(res: IncomingMessage, then: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      parsed = undefined;
    }
    then(parsed);
  });
}

/** Relays one statement (POST /api/v1/statements) and classifies what came back; never throws. */
export function relayOnce(target: LoadTarget, statement: string, timeoutMs: number, agent?: Agent): Promise<{ answer: Answer; answeredAt: number }> {
  const body = JSON.stringify({ statement });
  return new Promise((resolve) => {
    let timedOut = false;
    const done = (answer: Answer): void => {
      clearTimeout(timer);
      resolve({ answer, answeredAt: Date.now() });
    };
    const req = httpRequest(
      new URL('/api/v1/statements', target.url),
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${target.token}` },
      },
      (res) => {
        onJson(res, (parsed) => {
          const retryAfter = res.headers['retry-after'];
          done(classifyHttpAnswer({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, body: parsed }));
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          done(classifyTransportFailure(err.code, timedOut));
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('client deadline'));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      done(classifyTransportFailure(err.code, timedOut));
    });
    req.end(body);
  });
}

/**
 * A steady load of unique statements at a fixed rate over every gateway,
 * bounded in count (rate × duration) and in time (each request by the
 * client's deadline). Records every statement's send time, answer and
 * transaction; the harness then checks each one against the ledger.
 */
export async function runStatementLoad(o: LoadOptions): Promise<SentStatement[]> {
  const count = Math.floor((o.rate * o.durationMs) / 1000);
  const interval = 1000 / o.rate;
  // Under the gateway's per-client connection limit (64): beyond it a client queues its own requests, as an integration engine would.
  const agent = new Agent({ keepAlive: true, maxSockets: 60 });
  const started = Date.now();
  const sends: Promise<SentStatement>[] = [];
  try {
    for (let index = 0; index < count && o.signal?.aborted !== true; index++) {
      // Pacing to the offered rate (an open-loop load: a slow ledger does not slow the offer).
      const due = started + index * interval - Date.now();
      if (due > 0) await pause(due);
      const target = o.targets[index % o.targets.length];
      if (target === undefined) throw new Error('the load needs at least one gateway');
      const statement = await o.statement(index);
      const sentAt = Date.now();
      sends.push(
        relayOnce(target, statement.statement, o.requestTimeoutMs, agent).then(({ answer, answeredAt }) => ({
          ...statement,
          index,
          gateway: target.name,
          sentAt,
          answeredAt,
          answer,
        })),
      );
    }
    return await Promise.all(sends);
  } finally {
    agent.destroy();
  }
}
