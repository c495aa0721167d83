import { auditMessageXml, type AuditRecord, type AuditSource } from './audit-message';
import type { AuditOutbox } from './audit-outbox';
import { octetCounted, syslogMessage } from './syslog';

/** What the image source and the gateway hand their audit events to. */
export interface AuditSink {
  /** Keeps the event durably (or counts it dropped when the outbox is full); never throws for the repository. */
  record(record: AuditRecord): void;
}

/** An AuditSink for members with no Audit Record Repository configured. */
export const noAudit: AuditSink = { record: () => undefined };

export interface AuditTrailOptions {
  readonly outbox: AuditOutbox;
  readonly sender: { send(frames: readonly Buffer[]): Promise<void> };
  readonly source: AuditSource;
  /** RFC 5424 APP-NAME. */
  readonly appName: string;
  /** How often messages the repository did not take are offered again. */
  readonly retryMs: number;
  /** Most messages, and bytes, per connection. */
  readonly batch?: { readonly messages: number; readonly bytes: number };
  readonly log?: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * IHE ITI-20 Record Audit Event, sending side: each event becomes a DICOM
 * audit message, kept in the durable outbox first, then sent over syslog/TLS
 * to the Audit Record Repository in the order the events happened. One flush
 * at a time; a batch the repository did not take stops the flush, so nothing
 * overtakes it, and is offered again on the retry schedule.
 */
export class AuditTrail implements AuditSink {
  readonly #options: AuditTrailOptions;
  #flushing: Promise<number> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(options: AuditTrailOptions) {
    this.#options = options;
  }

  record(record: AuditRecord): void {
    const kept = this.#options.outbox.add({ at: record.at, xml: auditMessageXml(record, this.#options.source) });
    if (kept) void this.flush();
  }

  /** Sends what waits, oldest first; answers how many still wait. */
  flush(): Promise<number> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Offers what waits now, then on the retry schedule. */
  start(): void {
    void this.flush();
    this.#timer ??= setInterval(() => void this.flush(), this.#options.retryMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
  }

  get pending(): number {
    return this.#options.outbox.size;
  }

  get dropped(): number {
    return this.#options.outbox.dropped;
  }

  async #flushAll(): Promise<number> {
    const { outbox, sender, batch } = this.#options;
    for (;;) {
      const queued = outbox.oldest(batch?.messages ?? 100, batch?.bytes ?? 1024 * 1024);
      if (queued.length === 0) return 0;
      try {
        await sender.send(queued.map((q) => octetCounted(syslogMessage({ at: q.entry.at, appName: this.#options.appName }, q.entry.xml))));
      } catch (err) {
        if (!this.#failing)
          this.#options.log?.('warn', 'audit repository did not take the audit messages; kept for retry', {
            pending: outbox.size,
            error: (err as Error).message,
          });
        this.#failing = true;
        return outbox.size;
      }
      if (this.#failing) this.#options.log?.('warn', 'audit repository reachable again; sending the kept audit messages', { pending: outbox.size });
      this.#failing = false;
      outbox.remove(queued.map((q) => q.seq));
    }
  }
}
