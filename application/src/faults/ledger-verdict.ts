import { request as httpRequest } from 'node:http';
import { setTimeout as pause } from 'node:timers/promises';
import { waitFor } from '@isl/network';
import { claimsNotApplied, type AnswerKind } from './answer';
import { firstDifference, type PeerChain } from './peer-chain';
import { onJson, relayOnce, type LoadTarget, type SentStatement } from './statement-load';

/** One statement the ledger contradicts, and how. */
export interface Discrepancy {
  readonly index: number;
  readonly kind: AnswerKind;
  readonly problem: string;
}

/** The statement-by-statement proof after one scenario (see docs/reliability.md for each column). */
export interface LedgerVerdict {
  readonly offered: number;
  readonly byKind: Readonly<Record<AnswerKind, number>>;
  /** The answers other than acknowledged, by status and code (or transport error), e.g. "503 LEDGER_UNAVAILABLE": 12. */
  readonly failures: Readonly<Record<string, number>>;
  /** One problem detail per failure key, as an example. */
  readonly examples: Readonly<Record<string, string>>;
  readonly acknowledged: number;
  /** Answered 2xx but not VALID on every peer, or its grant not readable at every gateway: must be empty. */
  readonly acknowledgedLost: readonly Discrepancy[];
  /** Answered "not applied" (503, 4xx, not delivered) while the ledger has it: must be empty. */
  readonly toldWrongly: readonly Discrepancy[];
  /** Retried afterwards: applied now, or answered already applied. */
  readonly retriedApplied: number;
  readonly retriedAlreadyApplied: number;
  /** A retry that neither applied nor said already applied, or said the opposite of what the ledger showed: must be empty. */
  readonly retryFailed: readonly Discrepancy[];
  readonly height: number;
  /** Every peer holds the same chain (equal heights, equal block headers at every height). */
  readonly converged: boolean;
  readonly longestAnswerMs: number;
}

export interface VerdictOptions {
  /** The gateways (each reads through its own organisation's peer). */
  readonly gateways: readonly LoadTarget[];
  readonly chains: readonly PeerChain[];
  readonly convergeTimeoutMs?: number;
}

const kinds: readonly AnswerKind[] = ['acknowledged', 'retry-later', 'outcome-unknown', 'refused', 'not-delivered', 'timeout', 'cut-off', 'unclear'];

/** Runs `fn` over `items`, at most `limit` at once, keeping their order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** GET a JSON resource of a gateway (bounded): its status (0: no answer) and parsed body. */
function getJson(target: LoadTarget, path: string, timeoutMs = 15_000): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve) => {
    const req = httpRequest(new URL(path, target.url), { headers: { authorization: `Bearer ${target.token}` }, timeout: timeoutMs }, (res) => {
      onJson(res, (body) => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      resolve({ status: 0, body: undefined });
    });
    req.end();
  });
}

/** Whether the statement's grant is on the ledger as this gateway's peer reads it (CheckAccess). Throws if the gateway cannot tell. */
async function grantReadable(target: LoadTarget, s: SentStatement): Promise<boolean> {
  const q = new URLSearchParams({ source: s.source, study: s.study, recipient: s.recipient });
  for (let attempt = 0; attempt < 5; attempt++) {
    const { status, body } = await getJson(target, `/api/v1/access?${q.toString()}`);
    if (status === 200 && typeof body === 'object' && body !== null) {
      return (body as { allowed?: unknown }).allowed === true;
    }
    await pause(500 * (attempt + 1));
  }
  throw new Error(`${target.name} could not say whether statement ${String(s.index)}'s grant exists`);
}

/** Waits until every peer has the same height, reads their chains to it and compares them header by header. */
export async function converge(chains: readonly PeerChain[], timeoutMs: number): Promise<{ height: number; converged: boolean }> {
  let height = 0;
  await waitFor(
    `every peer (${chains.map((c) => c.name).join(', ')}) at the same height`,
    async () => {
      const heights = await Promise.all(chains.map((c) => c.height().catch(() => -1)));
      height = heights[0] ?? 0;
      return heights.every((h) => h === height && h > 0);
    },
    { timeoutMs, intervalMs: 500 },
  );
  await Promise.all(chains.map((c) => c.readTo(height)));
  const [first, ...others] = chains;
  const converged =
    first !== undefined && others.every((c) => c.headers.length === first.headers.length && firstDifference(first.headers, c.headers) === undefined);
  return { height, converged };
}

/** An acknowledged statement must be VALID on every peer and its grant readable at every gateway. */
async function checkAcknowledged(s: SentStatement, o: VerdictOptions): Promise<Discrepancy | undefined> {
  const txId = s.answer.transactionId ?? '';
  for (const chain of o.chains) {
    const code = chain.validation(txId);
    if (code !== 'VALID') return { index: s.index, kind: s.answer.kind, problem: `transaction ${txId} is ${code ?? 'absent'} on ${chain.name}` };
  }
  for (const g of o.gateways) {
    if (!(await grantReadable(g, s))) return { index: s.index, kind: s.answer.kind, problem: `its grant is not readable at ${g.name}` };
  }
  return undefined;
}

/** Sends a statement that was not acknowledged again (following Retry-After) until it is; says whether the ledger agrees. */
async function retry(s: SentStatement, present: boolean, o: VerdictOptions): Promise<{ applied: boolean; already: boolean; problem?: string }> {
  const target = o.gateways.find((g) => g.name === s.gateway) ?? o.gateways[0];
  if (target === undefined) throw new Error('no gateway to retry through');
  let last = '';
  for (let attempt = 0; attempt < 6; attempt++) {
    const { answer } = await relayOnce(target, s.statement, 60_000);
    if (answer.kind === 'acknowledged') {
      const already = answer.alreadyApplied === true;
      // The ledger said it had (or had not) taken effect: the retry must say the same.
      if (already !== present)
        return { applied: false, already, problem: `retry said alreadyApplied=${String(already)}, the ledger had it: ${String(present)}` };
      return { applied: !already, already };
    }
    last = `${answer.kind} ${String(answer.status ?? '')} ${answer.code ?? answer.error ?? ''}`;
    if (answer.kind !== 'retry-later' && answer.kind !== 'outcome-unknown') break;
    await pause(2_000);
  }
  return { applied: false, already: false, problem: `retry answered ${last}` };
}

/**
 * The statement-by-statement proof of one scenario, once every fault is
 * healed: acknowledged ⇒ committed on every peer; every other answer clear,
 * never contradicted by the ledger, and settled by sending the statement
 * again; every peer's chain identical.
 */
export async function judge(sent: readonly SentStatement[], o: VerdictOptions): Promise<LedgerVerdict> {
  const { height, converged } = await converge(o.chains, o.convergeTimeoutMs ?? 180_000);
  const byKind = Object.fromEntries(kinds.map((k) => [k, sent.filter((s) => s.answer.kind === k).length])) as Record<AnswerKind, number>;
  const acked = sent.filter((s) => s.answer.kind === 'acknowledged');
  const others = sent.filter((s) => s.answer.kind !== 'acknowledged');
  const failures: Record<string, number> = {};
  const examples: Record<string, string> = {};
  for (const s of others) {
    const key = s.answer.status === undefined ? `${s.answer.kind} (${s.answer.error ?? ''})` : `${String(s.answer.status)} ${s.answer.code ?? ''}`;
    failures[key] = (failures[key] ?? 0) + 1;
    if (s.answer.detail !== undefined) examples[key] ??= s.answer.detail;
  }
  const lost = (await mapLimit(acked, 16, (s) => checkAcknowledged(s, o))).filter((d): d is Discrepancy => d !== undefined);
  const [reader] = o.gateways;
  if (reader === undefined) throw new Error('no gateway to read through');
  const present = await mapLimit(others, 16, (s) => grantReadable(reader, s));
  const toldWrongly: Discrepancy[] = [];
  others.forEach((s, i) => {
    if (present[i] === true && claimsNotApplied.has(s.answer.kind)) {
      toldWrongly.push({
        index: s.index,
        kind: s.answer.kind,
        problem: `answered ${String(s.answer.status ?? '')} ${s.answer.code ?? s.answer.error ?? ''} but it took effect`,
      });
    }
  });
  const retries = await mapLimit(
    others.map((s, i) => ({ s, present: present[i] === true })),
    8,
    ({ s, present: had }) => retry(s, had, o),
  );
  const retryFailed = retries.flatMap((r, i) =>
    r.problem === undefined ? [] : [{ index: others[i]?.index ?? -1, kind: others[i]?.answer.kind ?? 'unclear', problem: r.problem }],
  );
  return {
    offered: sent.length,
    byKind,
    failures,
    examples,
    acknowledged: acked.length,
    acknowledgedLost: lost,
    toldWrongly,
    retriedApplied: retries.filter((r) => r.applied).length,
    retriedAlreadyApplied: retries.filter((r) => r.already && r.problem === undefined).length,
    retryFailed,
    height,
    converged,
    longestAnswerMs: Math.max(0, ...sent.map((s) => s.answeredAt - s.sentAt)),
  };
}
