import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerClientObserver } from '../ledger/ledger-client';

/**
 * Prometheus metrics of the gateway application. The count of committed
 * AllowAccess transactions is the paper's adoption metric.
 */
export class GatewayMetrics implements LedgerClientObserver {
  readonly registry = new Registry();
  readonly #transactions: Counter<'transaction' | 'outcome'>;
  readonly #latency: Histogram<'transaction'>;
  readonly #retries: Counter<'transaction' | 'reason'>;
  readonly #events: Counter;
  readonly #uploads: Counter<'outcome'>;
  readonly #shed: Counter<'kind'>;
  readonly #uploadBytes: Counter;
  readonly #inFlight = new Map<string, () => number>();

  constructor(labels: Readonly<Record<string, string>>) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry });
    this.#transactions = new Counter({
      name: 'isl_gateway_transactions_total',
      help: 'Ledger transactions and queries by name and outcome (committed, rejected, invalid, unavailable, error)',
      labelNames: ['transaction', 'outcome'],
      registers: [this.registry],
    });
    this.#latency = new Histogram({
      name: 'isl_gateway_transaction_duration_seconds',
      help: 'Submit-to-commit (or evaluate) latency',
      labelNames: ['transaction'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [this.registry],
    });
    this.#retries = new Counter({
      name: 'isl_gateway_retries_total',
      help: 'Retried proposals: MVCC conflicts (as new transactions) and unavailable peers/orderers',
      labelNames: ['transaction', 'reason'],
      registers: [this.registry],
    });
    this.#events = new Counter({ name: 'isl_gateway_events_total', help: 'Chaincode events received by the event listener', registers: [this.registry] });
    this.#uploads = new Counter({
      name: 'isl_gateway_publication_uploads_total',
      help: 'Study uploads for publishing by outcome (staged, or the refusal code)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.#shed = new Counter({
      name: 'isl_gateway_shed_total',
      help: 'Requests and connections turned away: 503 OVERLOADED by kind (writes, reads), connections over the per-client limit (connections), bodies cut off as too slow (slow-bodies)',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    const inFlight = this.#inFlight;
    new Gauge({
      name: 'isl_gateway_in_flight',
      help: 'Requests holding an admission place now, by kind (writes, reads); each kind is limited (503 OVERLOADED beyond)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        for (const [kind, count] of inFlight) this.set({ kind }, count());
      },
    });
    this.#uploadBytes = new Counter({
      name: 'isl_gateway_publication_upload_bytes_total',
      help: 'Bytes of study uploads received',
      registers: [this.registry],
    });
  }

  onRetry(transaction: string, reason: 'mvcc' | 'unavailable'): void {
    this.#retries.inc({ transaction, reason });
  }

  onResult(transaction: string, outcome: string, seconds: number): void {
    this.#transactions.inc({ transaction, outcome });
    this.#latency.observe({ transaction }, seconds);
  }

  onEvent(): void {
    this.#events.inc();
  }

  /** Reports `count()` as the in-flight gauge of `kind` at every scrape. */
  trackInFlight(kind: string, count: () => number): void {
    this.#inFlight.set(kind, count);
  }

  /** Reports the audit outbox at every scrape: messages waiting for the repository, and those dropped because it was full. */
  trackAudit(pending: () => number, dropped: () => number): void {
    new Gauge({
      name: 'isl_gateway_audit_pending',
      help: 'DICOM audit messages kept in the outbox, waiting for the Audit Record Repository',
      registers: [this.registry],
      collect() {
        this.set(pending());
      },
    });
    new Counter({
      name: 'isl_gateway_audit_dropped_total',
      help: 'DICOM audit messages dropped because the audit outbox was full (ISL_AUDIT_OUTBOX_MAX)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(dropped());
      },
    });
  }

  onShed(kind: string): void {
    this.#shed.inc({ kind });
  }

  onUpload(outcome: string, bytes: number): void {
    this.#uploads.inc({ outcome });
    this.#uploadBytes.inc(bytes);
  }
}
