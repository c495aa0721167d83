import { ApiError, type GatewayApi, type PortalConfig } from '../api';
import { signStatement } from '../crypto/statement';
import type { BrowserWallet, KeyRecord } from '../crypto/wallet';
import { button, field, h, ID32, input, section, select, shortId, status, when } from './dom';
import { scanQr } from './qr-scanner';
import { confirmBeforeSigning } from './preview';
import { DENY_REASONS, PURPOSES, purposeWords } from './purposes';
import { rotateSection } from './rotate';
import { walletPanel } from './wallet-panel';

interface Study {
  readonly source: string;
  readonly study: string;
  readonly definedAt: string;
  readonly key: KeyRecord;
}
interface Grant {
  readonly recipient: string;
  readonly purpose?: string;
  readonly grantedAt: string;
  readonly until: string;
  readonly status: 'active' | 'revoked';
  readonly revokedAt?: string;
}
interface AccessRequest {
  readonly recipient: string;
  readonly purpose: string;
  readonly requestedAt: string;
  readonly status: string;
  readonly reason?: string;
}
interface Disclosure {
  readonly recipient: string;
  readonly disclosedAt: string;
  readonly size: number;
  /** Released under this break-glass lease (docs/protocol.md §11). */
  readonly breakGlass?: string;
}
interface BreakGlassLease {
  readonly recipient: string;
  readonly hospital: string;
  readonly grantedAt: string;
  readonly until: string;
}

const MAX_GRANT_DAYS = 366;

/** The patient's page: wallet, studies, who has access, requests, releases, grant and revoke. */
export class PatientPage {
  readonly el: HTMLElement;
  readonly #api: GatewayApi;
  readonly #config: PortalConfig;
  #wallet: BrowserWallet | undefined;
  #studies: Study[] = [];
  #current: Study | undefined;
  readonly #studyList = h('div', { id: 'patient-studies' });
  readonly #detail = h('div', { id: 'patient-study' });
  readonly #studiesStatus = status();
  readonly #walletPanel;

  constructor(api: GatewayApi, config: PortalConfig) {
    this.#api = api;
    this.#config = config;
    this.#walletPanel = walletPanel('Patient', (w) => {
      this.#wallet = w;
      void this.#loadStudies();
    });
    this.el = h(
      'div',
      { id: 'patient' },
      h('h1', {}, 'Patient'),
      this.#walletPanel.el,
      section(
        'My studies',
        button('Refresh', () => this.#loadStudies()),
        this.#studiesStatus.el,
        this.#studyList,
      ),
      this.#detail,
      rotateSection({
        api,
        config,
        wallet: () => this.#wallet,
        moved: (w) => {
          this.#walletPanel.save(w);
          void this.#loadStudies();
        },
      }),
    );
  }

  async #loadStudies(): Promise<void> {
    const wallet = this.#wallet;
    if (!wallet) {
      this.#studiesStatus.fail('Open your wallet first.');
      return;
    }
    if (!this.#api.hasToken) {
      this.#studiesStatus.fail('Enter your access token (top of the page) to read the ledger.');
      return;
    }
    this.#studiesStatus.busy('Looking up your studies…');
    try {
      const sources = await this.#api.get<{ source: string }[]>('sources');
      const mine = wallet.records.filter((r) => r.role === 'patient' && r.purpose === 'study' && r.studyRef !== undefined);
      const found: Study[] = [];
      for (const key of mine) {
        for (const { source } of sources) {
          const record = await this.#api.get<{ definedAt: string }>(`sources/${source}/studies/${key.studyRef ?? ''}`).catch((e: unknown) => {
            if (e instanceof ApiError && e.code === 'STUDY_NOT_FOUND') return undefined;
            throw e;
          });
          if (record) found.push({ source, study: key.studyRef ?? '', definedAt: record.definedAt, key });
        }
      }
      this.#studies = found;
      this.#renderStudies();
      this.#studiesStatus.ok(found.length === 0 ? 'No study of this wallet is on the ledger yet.' : `${String(found.length)} studies.`);
    } catch (err) {
      this.#studiesStatus.fail(err instanceof Error ? err.message : String(err));
    }
  }

  #renderStudies(): void {
    const rows = this.#studies.map((s) =>
      h(
        'tr',
        {},
        h('td', {}, shortId(s.study)),
        h('td', {}, shortId(s.source)),
        h('td', {}, when(s.definedAt)),
        h(
          'td',
          {},
          button('Manage', () => this.#open(s), { 'aria-label': `Manage study ${s.study.slice(0, 8)}` }),
        ),
      ),
    );
    this.#studyList.replaceChildren(
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Study'), h('th', {}, 'Image source'), h('th', {}, 'Published'), h('th', {}, ''))),
        h('tbody', {}, ...rows),
      ),
    );
  }

  async #open(study: Study): Promise<void> {
    this.#current = study;
    const base = `sources/${study.source}/studies/${study.study}`;
    const state = status();
    this.#detail.replaceChildren(section(`Study ${study.study.slice(0, 8)}…`, state.el));
    try {
      const [grants, requests, disclosures, leases] = await Promise.all([
        this.#api.get<Grant[]>(`${base}/grants`),
        this.#api.get<AccessRequest[]>(`${base}/requests`),
        this.#api.get<Disclosure[]>(`${base}/disclosures`),
        this.#api.get<BreakGlassLease[]>(`${base}/break-glass`),
      ]);
      this.#detail.replaceChildren(
        section(`Study ${study.study.slice(0, 8)}…`, h('p', {}, `Published ${when(study.definedAt)}.`)),
        ...breakGlassSection(leases),
        this.#grantsSection(study, grants),
        this.#requestsSection(study, requests),
        this.#grantForm(study),
        this.#disclosuresSection(disclosures),
      );
    } catch (err) {
      state.fail(err instanceof Error ? err.message : String(err));
    }
  }

  #grantsSection(study: Study, grants: readonly Grant[]): HTMLElement {
    const slot = h('div', {});
    const state = status();
    const rows = grants.map((g) => {
      const expired = Date.parse(g.until) <= Date.now();
      const standing = g.status === 'revoked' ? `revoked ${when(g.revokedAt ?? g.until)}` : expired ? `expired ${when(g.until)}` : `until ${when(g.until)}`;
      const revoke =
        g.status === 'active' && !expired
          ? button(
              'Revoke',
              () => {
                this.#reviewRevoke(study, g, slot, state);
              },
              { 'aria-label': `Revoke ${g.recipient.slice(0, 8)}` },
            )
          : '';
      return h('tr', {}, h('td', {}, shortId(g.recipient)), h('td', {}, purposeWords(g.purpose)), h('td', {}, standing), h('td', {}, revoke));
    });
    const table =
      rows.length === 0
        ? h('p', {}, 'Nobody has access to this study.')
        : h(
            'table',
            { id: 'grants' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Recipient'), h('th', {}, 'Purpose'), h('th', {}, 'Access'), h('th', {}, ''))),
            h('tbody', {}, ...rows),
          );
    return section('Who has access', table, slot, state.el);
  }

  #reviewRevoke(study: Study, g: Grant, slot: HTMLElement, state: ReturnType<typeof status>): void {
    confirmBeforeSigning(
      slot,
      `You stop recipient ${g.recipient} from retrieving study ${study.study} at image source ${study.source}, from the moment the ledger records this. What they already retrieved stays with them.`,
      [
        ['Statement', 'RevokeAccess'],
        ['Recipient', g.recipient],
        ['Study', study.study],
        ['Image source', study.source],
      ],
      async () => {
        await this.#send(state, 'revocations', 'RevokeAccess', { source: study.source, study: study.study, recipient: g.recipient }, study);
      },
    );
  }

  async #send(
    state: ReturnType<typeof status>,
    resource: 'grants' | 'revocations' | 'denials',
    type: string,
    fields: Record<string, string | number>,
    study: Study,
  ): Promise<void> {
    const wallet = this.#wallet;
    if (!wallet) {
      state.fail('Open your wallet first.');
      return;
    }
    state.busy('Signing and sending…');
    try {
      const statement = await signStatement(type, fields, await wallet.key(study.key), this.#config.audience);
      const result = await this.#api.relay(resource, statement);
      state.ok(`Recorded on the ledger in block ${result.blockNumber}.`);
      if (this.#current === study) await this.#open(study);
    } catch (err) {
      state.fail(err instanceof Error ? err.message : String(err));
    }
  }

  #requestsSection(study: Study, requests: readonly AccessRequest[]): HTMLElement {
    const state = status();
    const slot = h('div', {});
    const rows = requests.map((r) => {
      const reason = select(DENY_REASONS, { 'aria-label': `Reason to deny ${r.recipient.slice(0, 8)}` });
      const actions =
        r.status === 'pending'
          ? h(
              'td',
              {},
              button(
                'Grant…',
                () => {
                  this.#prefillGrant(r);
                },
                { 'aria-label': `Grant ${r.recipient.slice(0, 8)}` },
              ),
              reason,
              button(
                'Deny',
                () => {
                  this.#reviewDeny(study, r, reason.value, slot, state);
                },
                { 'aria-label': `Deny ${r.recipient.slice(0, 8)}` },
              ),
            )
          : h('td', {}, r.status + (r.reason ? ` (${r.reason})` : ''));
      return h('tr', {}, h('td', {}, shortId(r.recipient)), h('td', {}, purposeWords(r.purpose)), h('td', {}, when(r.requestedAt)), actions);
    });
    const body = rows.length === 0 ? h('p', {}, 'No requests.') : h('table', {}, h('tbody', {}, ...rows));
    return section('Requests for access', body, slot, state.el);
  }

  #prefillGrant(r: AccessRequest): void {
    const recipient = document.getElementById('grant-recipient') as HTMLInputElement | null;
    const purpose = document.getElementById('grant-purpose') as HTMLSelectElement | null;
    if (recipient) recipient.value = r.recipient;
    if (purpose) purpose.value = r.purpose;
    recipient?.focus();
  }

  #reviewDeny(study: Study, r: AccessRequest, reason: string, slot: HTMLElement, state: ReturnType<typeof status>): void {
    confirmBeforeSigning(
      slot,
      `You refuse recipient ${r.recipient}'s request to see study ${study.study}; the reason recorded is "${DENY_REASONS.find(([c]) => c === reason)?.[1] ?? reason}".`,
      [
        ['Statement', 'DenyAccess'],
        ['Recipient', r.recipient],
        ['Reason', reason],
      ],
      () => this.#send(state, 'denials', 'DenyAccess', { source: study.source, study: study.study, recipient: r.recipient, reason }, study),
    );
  }

  #grantForm(study: Study): HTMLElement {
    const recipient = field(
      'Recipient key',
      input({ id: 'grant-recipient', autocomplete: 'off', spellcheck: 'false' }),
      "The 43-character key id the clinician's page shows: paste it, or scan its QR code with the camera.",
    );
    const camera = h('div', { id: 'grant-camera' });
    const scan = button('Scan the QR code with the camera', async () => {
      recipient.clear();
      const outcome = await scanQr(
        camera,
        (text) => ID32.test(text),
        () => {
          recipient.error('That QR code is not a key id. Scan the code on the clinician’s page.');
        },
      );
      if (outcome.found !== undefined) {
        recipient.clear();
        recipient.input.value = outcome.found;
        recipient.input.focus();
      } else recipient.error(outcome.problem ?? 'Nothing was scanned.');
    });
    const until = field('Access ends on', input({ id: 'grant-until', type: 'date' }), `At most ${String(MAX_GRANT_DAYS)} days from today.`);
    const purpose = field('Purpose', select(PURPOSES, { id: 'grant-purpose' }));
    const slot = h('div', {});
    const state = status();
    const review = (): void => {
      recipient.clear();
      until.clear();
      const recipientId = recipient.input.value.trim();
      const end = Date.parse(`${until.input.value}T23:59:59Z`);
      let bad = false;
      if (!ID32.test(recipientId)) {
        recipient.error('This is not a key id: it must be 43 letters, digits, "-" or "_".');
        bad = true;
      }
      if (Number.isNaN(end)) {
        until.error('Choose the day access ends.');
        bad = true;
      } else if (end <= Date.now()) {
        until.error('This date is in the past: choose a day after today.');
        bad = true;
      } else if (end > Date.now() + MAX_GRANT_DAYS * 86_400_000) {
        until.error(`Access can last at most ${String(MAX_GRANT_DAYS)} days.`);
        bad = true;
      }
      if (bad) return;
      const untilSeconds = Math.floor(end / 1000);
      confirmBeforeSigning(
        slot,
        `You allow recipient ${recipientId} to retrieve study ${study.study} from image source ${study.source} for ${purposeWords(purpose.input.value)}, until ${when(new Date(end).toISOString())}. You can revoke this at any time.`,
        [
          ['Statement', 'AllowAccess'],
          ['Recipient', recipientId],
          ['Study', study.study],
          ['Until', new Date(end).toISOString()],
          ['Purpose', purpose.input.value],
        ],
        () =>
          this.#send(
            state,
            'grants',
            'AllowAccess',
            { source: study.source, study: study.study, recipient: recipientId, until: untilSeconds, purpose: purpose.input.value },
            study,
          ),
      );
    };
    return section(
      'Grant access',
      h('form', { id: 'grant-form' }, recipient.row, scan, camera, until.row, purpose.row, button('Review', review)),
      slot,
      state.el,
    );
  }

  #disclosuresSection(disclosures: readonly Disclosure[]): HTMLElement {
    const items = [...disclosures]
      .sort((a, b) => a.disclosedAt.localeCompare(b.disclosedAt))
      .map((d) =>
        h(
          'li',
          {},
          h('time', { datetime: d.disclosedAt }, when(d.disclosedAt)),
          ' — released to ',
          shortId(d.recipient),
          ` (${(d.size / 1024).toFixed(0)} KiB)`,
          d.breakGlass === undefined ? '' : ' under emergency (break-glass) access',
        ),
      );
    return section(
      'Every release of this study',
      items.length === 0 ? h('p', {}, 'Never released.') : h('ol', { class: 'timeline', id: 'disclosures' }, ...items),
    );
  }
}

/** Emergency accesses come first on the page (none: no section). */
function breakGlassSection(leases: readonly BreakGlassLease[]): HTMLElement[] {
  if (leases.length === 0) return [];
  const items = [...leases]
    .sort((a, b) => a.grantedAt.localeCompare(b.grantedAt))
    .map((l) =>
      h(
        'li',
        {},
        h('time', { datetime: l.grantedAt }, when(l.grantedAt)),
        ' — ',
        shortId(l.recipient),
        ` of ${l.hospital} broke glass, until ${when(l.until)}`,
      ),
    );
  return [section('Emergency (break-glass) access', h('ol', { class: 'timeline', id: 'break-glass' }, ...items))];
}
