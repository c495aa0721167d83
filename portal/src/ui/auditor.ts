import type { GatewayApi } from '../api';
import { barChart, columnChart } from './chart';
import { button, field, h, input, section, status, when } from './dom';
import { recordChanges } from './record-diff';

interface AuditReport {
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly transactions: number;
  readonly invalidTransactions: number;
  readonly organisations: readonly { mspId: string; stake: number; endorsements: number; endorsedInvalid: number }[];
  readonly ordering: readonly { orderer: string; mspId: string; blocksCutAsLeader: number | null; proposalFailures: number | null }[];
}
interface DisclosuresPerDay {
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly days: readonly { day: string; disclosures: number }[];
}
interface Epoch {
  readonly sequence: number;
  readonly stakes: Readonly<Record<string, number>>;
}
interface History {
  readonly key: string;
  readonly history: readonly { txId: string; timestamp: string; isDelete: boolean; value: unknown }[];
}

/** What changed in a record at one step of its history, in a line. */
function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  const kind = typeof v.kind === 'string' ? v.kind : 'record';
  const status = typeof v.status === 'string' ? ` — ${v.status}` : '';
  const until = typeof v.until === 'string' ? ` until ${when(v.until)}` : '';
  return `${kind}${status}${until}`;
}

type HistoryEntry = History['history'][number];

/** What a version changed, field by field: "status: active → revoked"; a first version lists what it set. */
function changeList(previous: HistoryEntry | undefined, entry: HistoryEntry): HTMLElement | undefined {
  if (entry.isDelete) return undefined;
  const changes = recordChanges(previous === undefined || previous.isDelete ? {} : previous.value, entry.value);
  if (changes.length === 0) return h('p', { class: 'hint' }, 'No field changed.');
  const line = (c: (typeof changes)[number]): HTMLElement => {
    if (c.before === undefined) return h('li', {}, h('code', {}, c.field), previous === undefined ? `: ${c.after ?? ''}` : ` added: ${c.after ?? ''}`);
    if (c.after === undefined) return h('li', {}, h('code', {}, c.field), ` removed (was ${c.before})`);
    return h('li', {}, h('code', {}, c.field), `: ${c.before} → `, h('strong', {}, c.after));
  };
  return h('ul', { class: 'changes' }, ...changes.map(line));
}

/** The auditor's page: the participation audit as charts, and any record's history as a timeline. */
export class AuditorPage {
  readonly el: HTMLElement;
  readonly #api: GatewayApi;
  readonly #charts = h('div', { id: 'audit-charts' });
  readonly #timeline = h('div', { id: 'history' });

  constructor(api: GatewayApi) {
    this.#api = api;
    this.el = h('div', { id: 'auditor' }, h('h1', {}, 'Auditor'), this.#auditSection(), this.#historySection());
  }

  #auditSection(): HTMLElement {
    const state = status();
    const load = async (): Promise<void> => {
      state.busy('Reading the audit (every block)…');
      try {
        const [report, epochs, perDay] = await Promise.all([
          this.#api.get<AuditReport>('audit'),
          this.#api.get<Epoch[]>('audit/epochs'),
          this.#api.get<DisclosuresPerDay>('audit/disclosures-per-day'),
        ]);
        this.#charts.replaceChildren(this.#disclosures(perDay), ...this.#charts_(report, epochs));
        state.ok(
          `Blocks ${String(report.fromBlock)}–${String(report.toBlock)}: ${String(report.transactions)} transactions, ${String(report.invalidTransactions)} invalid.`,
        );
      } catch (err) {
        state.fail(err instanceof Error ? err.message : String(err));
      }
    };
    return section('Participation', h('p', {}, 'Needs an auditor token.'), button('Load the audit', load), state.el, this.#charts);
  }

  /** The last 30 days (the endpoint's default), one column a day. */
  #disclosures(perDay: DisclosuresPerDay): HTMLElement {
    return columnChart(
      `Disclosures per day (UTC), ${perDay.from} to ${perDay.to}: ${String(perDay.total)}`,
      perDay.days.map((d) => [d.day, d.disclosures]),
      'chart-disclosures',
      (day) => day.slice(5),
    );
  }

  #charts_(report: AuditReport, epochs: readonly Epoch[]): HTMLElement[] {
    const orgs = report.organisations;
    const stakeRows = epochs.flatMap((e) => Object.entries(e.stakes).map(([org, s]) => [`epoch ${String(e.sequence)} · ${org}`, s] as const));
    return [
      barChart(
        'Endorsements per organisation',
        orgs.map((o) => [o.mspId, o.endorsements]),
        'chart-endorsements',
      ),
      barChart(
        'Stake per organisation (studies published)',
        orgs.map((o) => [o.mspId, o.stake]),
        'chart-stake',
      ),
      barChart('Stake per epoch', stakeRows.length > 0 ? stakeRows : [['no epoch recorded yet', 0]], 'chart-epochs'),
      barChart(
        'Blocks cut per orderer (as Raft leader)',
        report.ordering.map((o) => [o.orderer, o.blocksCutAsLeader ?? 0]),
        'chart-blocks',
      ),
      barChart(
        'Failed proposals per orderer',
        report.ordering.map((o) => [o.orderer, o.proposalFailures ?? 0]),
        'chart-failures',
      ),
      barChart(
        'Endorsed transactions invalidated',
        orgs.map((o) => [o.mspId, o.endorsedInvalid]),
        'chart-invalid',
      ),
    ];
  }

  #historySection(): HTMLElement {
    const key = field(
      'Record id',
      input({ id: 'history-key', autocomplete: 'off', spellcheck: 'false' }),
      'e.g. source/<source>, study/<source>/<study>, grant/<source>/<study>/<recipient>',
    );
    const state = status();
    const load = async (): Promise<void> => {
      key.clear();
      const id = key.input.value.trim();
      if (!/^[a-z]+\/[A-Za-z0-9_\-/]{1,500}$/.test(id)) {
        key.error('A record id is a kind and ids separated by "/", e.g. grant/<source>/<study>/<recipient>.');
        return;
      }
      try {
        const h_ = await this.#api.get<History>('audit/history', { key: id });
        // Oldest first, whatever order the peer gave them in.
        const versions = [...h_.history].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
        const items = versions.map((e, i) =>
          h(
            'li',
            {},
            h('time', { datetime: e.timestamp }, when(e.timestamp)),
            ` — ${e.isDelete ? 'deleted' : `${i === 0 ? 'created' : 'changed'}: ${describe(e.value)}`} `,
            h('code', { title: e.txId }, `tx ${e.txId.slice(0, 10)}…`),
            changeList(versions[i - 1], e),
          ),
        );
        this.#timeline.replaceChildren(
          items.length === 0 ? h('p', {}, 'This record has no history: no such record.') : h('ol', { class: 'timeline' }, ...items),
        );
        state.ok(`${String(items.length)} changes.`);
      } catch (err) {
        state.fail(err instanceof Error ? err.message : String(err));
      }
    };
    return section('History of a record', key.row, button('Show history', load), state.el, this.#timeline);
  }
}
