import type { DecodedBlock } from './block-reader';

/** Where the tally reads blocks (BlockReader over qscc). */
export interface BlockSource {
  height(): Promise<number>;
  block(number: number): Promise<DecodedBlock>;
}

export interface DisclosureDay {
  /** A UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly disclosures: number;
}

export interface DisclosuresPerDay {
  readonly channel: string;
  readonly chaincode: string;
  /** First and last UTC day asked for (inclusive). */
  readonly from: string;
  readonly to: string;
  /** Blocks counted: [0, toBlock). */
  readonly toBlock: number;
  /** Disclosures recorded in [from, to]. */
  readonly total: number;
  /** Every day of [from, to] in order, days without a disclosure included (0). */
  readonly days: readonly DisclosureDay[];
}

const DAY_MS = 86_400_000;
/** At most a year and a day per answer: the answer's size is bounded whatever the range asked for. */
export const MAX_DAYS = 366;
/** Without `from`, the 30 days ending `to`. */
const DEFAULT_DAYS = 30;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The ms of a UTC day's start, or undefined when `day` is not a real YYYY-MM-DD date (2026-02-30 is not). */
function dayStart(day: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  return Number.isFinite(ms) && dayOf(ms) === day ? ms : undefined;
}

/**
 * The days [from, to] asked for (defaults: `to` today, `from` 29 days before `to`);
 * a string saying what is wrong when they are not a range of at most MAX_DAYS real days.
 */
export function dayRange(from: string | undefined, to: string | undefined, nowMs: number): { readonly from: string; readonly to: string } | string {
  const toMs = to === undefined ? Date.parse(`${dayOf(nowMs)}T00:00:00.000Z`) : dayStart(to);
  if (toMs === undefined) return `to must be a UTC day YYYY-MM-DD, got ${JSON.stringify(to)}`;
  const fromMs = from === undefined ? toMs - (DEFAULT_DAYS - 1) * DAY_MS : dayStart(from);
  if (fromMs === undefined) return `from must be a UTC day YYYY-MM-DD, got ${JSON.stringify(from)}`;
  if (fromMs > toMs) return `from (${dayOf(fromMs)}) is after to (${dayOf(toMs)})`;
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_DAYS) return `at most ${String(MAX_DAYS)} days at a time`;
  return { from: dayOf(fromMs), to: dayOf(toMs) };
}

/**
 * Disclosures recorded per UTC day, counted from the blocks: every valid
 * RecordDisclosure transaction of the chaincode, on the day of its
 * transaction timestamp (the record's `recordedAt`). A committed block never
 * changes, so each block is read once for the life of the tally and later
 * calls read only the blocks committed since; calls share one reading, in
 * order. Only counts are kept: nothing of the disclosures themselves.
 */
export class DisclosureDays {
  readonly #blocks: BlockSource;
  readonly #channel: string;
  readonly #chaincode: string;
  readonly #perDay = new Map<string, number>();
  /** The next block to count. */
  #next = 0;
  #reading: Promise<unknown> = Promise.resolve();

  constructor(blocks: BlockSource, channel: string, chaincode: string) {
    this.#blocks = blocks;
    this.#channel = channel;
    this.#chaincode = chaincode;
  }

  /** The days [from, to] (validated by dayRange), counted up to the peer's height now. */
  async between(range: { readonly from: string; readonly to: string }): Promise<DisclosuresPerDay> {
    const toBlock = await this.#catchUp();
    const days: DisclosureDay[] = [];
    const end = Date.parse(`${range.to}T00:00:00.000Z`);
    for (let ms = Date.parse(`${range.from}T00:00:00.000Z`); ms <= end; ms += DAY_MS) {
      days.push({ day: dayOf(ms), disclosures: this.#perDay.get(dayOf(ms)) ?? 0 });
    }
    const total = days.reduce((sum, d) => sum + d.disclosures, 0);
    return { channel: this.#channel, chaincode: this.#chaincode, from: range.from, to: range.to, toBlock, total, days };
  }

  /** Counts the blocks committed since the last call; resolves with the next block not counted. */
  #catchUp(): Promise<number> {
    const run = this.#reading.then(async () => {
      const height = await this.#blocks.height();
      while (this.#next < height) {
        // Counted and advanced together, so a read that fails counts nothing twice or never.
        this.#count(await this.#blocks.block(this.#next));
        this.#next++;
      }
      return this.#next;
    });
    this.#reading = run.catch(() => undefined);
    return run;
  }

  #count(block: DecodedBlock): void {
    for (const tx of block.transactions) {
      // The function may be named plainly or qualified by the contract's name (fabric-contract-api).
      const disclosure = tx.fn === 'RecordDisclosure' || tx.fn?.endsWith(':RecordDisclosure') === true;
      if (tx.chaincode === this.#chaincode && disclosure && tx.validation === 'VALID') {
        const day = dayOf(tx.timestampMs);
        this.#perDay.set(day, (this.#perDay.get(day) ?? 0) + 1);
      }
    }
  }
}
