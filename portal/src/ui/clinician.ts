import QRCode from 'qrcode';
import type { GatewayApi, PortalConfig } from '../api';
import type { BrowserKey } from '../crypto/keys';
import { signedGetHeaders, wadoStudyUri } from '../crypto/request-signature';
import { signStatement } from '../crypto/statement';
import type { BrowserWallet } from '../crypto/wallet';
import { dicomParts } from '../multipart';
import { StudyViewer } from '../viewer';
import { button, field, h, ID32, input, section, select, status, when } from './dom';
import { PURPOSES } from './purposes';
import { walletPanel } from './wallet-panel';

interface AccessAnswer {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly grant?: { readonly until: string; readonly revokedAt?: string };
}

/** Why a study cannot be opened, in words a clinician can act on. */
function refusalText(answer: AccessAnswer): string {
  switch (answer.reason) {
    case 'GRANT_REVOKED':
      return `Access refused: the patient revoked your access${answer.grant?.revokedAt ? ` on ${when(answer.grant.revokedAt)}` : ''}. Ask the patient for a new grant.`;
    case 'GRANT_EXPIRED':
      return `Access refused: your access ended on ${answer.grant ? when(answer.grant.until) : 'its end date'}. Ask the patient to grant it again.`;
    case 'NO_GRANT':
      return 'Access refused: the patient has not granted this key access to this study. Request access, or give the patient your key.';
    case 'STUDY_NOT_FOUND':
      return 'No such study at this image source. Check the study reference.';
    default:
      return `Access refused (${answer.reason ?? 'unknown reason'}).`;
  }
}

/** The clinician's (recipient's) page: key and QR code, request access, view a granted study. */
export class ClinicianPage {
  readonly el: HTMLElement;
  readonly #api: GatewayApi;
  readonly #config: PortalConfig;
  #wallet: BrowserWallet | undefined;
  #key: BrowserKey | undefined;
  readonly #keyView = h('div', { id: 'recipient-key' });
  readonly #viewerEl = h('div', {
    id: 'viewer',
    class: 'viewer',
    tabindex: '0',
    role: 'img',
    'aria-label': 'Study images; arrow keys move through the slices',
  });
  #viewer: StudyViewer | undefined;
  readonly #panel;

  constructor(api: GatewayApi, config: PortalConfig) {
    this.#api = api;
    this.#config = config;
    this.#panel = walletPanel('Clinician', (w) => {
      this.#wallet = w;
      void this.#useNewestKey();
    });
    this.el = h(
      'div',
      { id: 'clinician' },
      h('h1', {}, 'Clinician'),
      this.#panel.el,
      section(
        'My recipient key',
        this.#keyView,
        button('Make a new recipient key', () => this.#newKey()),
      ),
      this.#requestForm(),
      this.#openForm(),
    );
  }

  async #useNewestKey(): Promise<void> {
    const record = this.#wallet?.records.filter((r) => r.role === 'recipient' && r.purpose === 'study').at(-1);
    if (record && this.#wallet) {
      this.#key = await this.#wallet.key(record);
      await this.#showKey();
    } else {
      this.#keyView.replaceChildren(h('p', {}, 'This wallet has no recipient key yet.'));
    }
  }

  async #newKey(): Promise<void> {
    if (!this.#wallet) {
      this.#keyView.replaceChildren(h('p', { class: 'status fail' }, 'Open or create your wallet first.'));
      return;
    }
    this.#key = await this.#wallet.newKey('recipient');
    this.#panel.save(this.#wallet);
    await this.#showKey();
  }

  async #showKey(): Promise<void> {
    const key = this.#key;
    if (!key) return;
    const qr = await QRCode.toDataURL(key.keyId, { margin: 2, width: 200 });
    this.#keyView.replaceChildren(
      h('p', {}, 'Give this key id to the patient (or let them scan the code):'),
      h('p', {}, h('code', { id: 'recipient-key-id' }, key.keyId)),
      h('img', { src: qr, alt: `QR code of key id ${key.keyId}`, width: '200', height: '200' }),
    );
  }

  #target(prefix: string): { source: ReturnType<typeof field<HTMLInputElement>>; study: ReturnType<typeof field<HTMLInputElement>>; check(): boolean } {
    const source = field('Image source (key id)', input({ id: `${prefix}-source`, autocomplete: 'off', spellcheck: 'false' }));
    const study = field('Study reference', input({ id: `${prefix}-study`, autocomplete: 'off', spellcheck: 'false' }));
    const check = (): boolean => {
      source.clear();
      study.clear();
      const ok = [source, study].map((f) => {
        const valid = ID32.test(f.input.value.trim());
        if (!valid) f.error('This must be 43 letters, digits, "-" or "_" (copy it whole).');
        return valid;
      });
      return ok.every(Boolean);
    };
    return { source, study, check };
  }

  #requestForm(): HTMLElement {
    const t = this.#target('request');
    const purpose = field('Purpose', select(PURPOSES, { id: 'request-purpose' }));
    const state = status();
    const send = async (): Promise<void> => {
      if (!t.check()) return;
      if (!this.#key) {
        state.fail('Make or open a recipient key first.');
        return;
      }
      state.busy('Signing and sending…');
      try {
        const fields = { source: t.source.input.value.trim(), study: t.study.input.value.trim(), purpose: purpose.input.value };
        const result = await this.#api.relay('requests', await signStatement('RequestAccess', fields, this.#key, this.#config.audience));
        state.ok(`Request recorded in block ${result.blockNumber}. The patient will see it.`);
      } catch (err) {
        state.fail(err instanceof Error ? err.message : String(err));
      }
    };
    return section('Request access to a study', t.source.row, t.study.row, purpose.row, button('Sign and send request', send), state.el);
  }

  #openForm(): HTMLElement {
    const t = this.#target('open');
    const state = status();
    const position = h('p', { id: 'viewer-position', 'aria-live': 'polite' });
    this.#viewerEl.addEventListener('keydown', (e) => {
      const delta = e.key === 'ArrowUp' || e.key === 'ArrowRight' ? 1 : e.key === 'ArrowDown' || e.key === 'ArrowLeft' ? -1 : 0;
      if (delta === 0 || !this.#viewer) return;
      e.preventDefault();
      void this.#viewer.step(delta).then(() => {
        const p = this.#viewer?.position;
        if (p) position.textContent = `Image ${String(p.index + 1)} of ${String(p.count)}`;
      });
    });
    const open = async (): Promise<void> => {
      if (!t.check()) return;
      if (!this.#key) {
        state.fail('Make or open a recipient key first.');
        return;
      }
      await this.#view(t.source.input.value.trim(), t.study.input.value.trim(), this.#key, state, position);
    };
    return section('View a study granted to me', t.source.row, t.study.row, button('Open study', open), state.el, position, this.#viewerEl);
  }

  async #view(source: string, study: string, key: BrowserKey, state: ReturnType<typeof status>, position: HTMLElement): Promise<void> {
    this.#viewer?.destroy();
    this.#viewer = undefined;
    this.#viewerEl.replaceChildren();
    this.#viewerEl.dataset.state = 'empty';
    try {
      state.busy('Checking your access on the ledger…');
      const access = await this.#api.get<AccessAnswer>('access', { source, study, recipient: key.keyId });
      if (!access.allowed) {
        state.fail(refusalText(access));
        return;
      }
      const { url } = await this.#api.get<{ url: string }>(`sources/${source}`);
      state.busy('Retrieving the images from the image source (signed request)…');
      const target = wadoStudyUri(url, study);
      const res = await fetch(target, { headers: { accept: 'multipart/related; type="application/dicom"', ...(await signedGetHeaders(key, target)) } });
      if (res.status === 404) {
        state.fail(refusalText({ allowed: false, reason: 'NO_GRANT' }));
        return;
      }
      if (!res.ok) {
        state.fail(`The image source refused the request (HTTP ${String(res.status)}).`);
        return;
      }
      const parts = dicomParts(new Uint8Array(await res.arrayBuffer()), res.headers.get('content-type') ?? '');
      this.#viewer = await StudyViewer.open(this.#viewerEl);
      await this.#viewer.show(parts);
      this.#viewerEl.dataset.state = 'drawn';
      position.textContent = `Image ${String(this.#viewer.position.index + 1)} of ${String(parts.length)}`;
      state.ok(`Study open: ${String(parts.length)} images.`);
    } catch (err) {
      state.fail(
        err instanceof TypeError
          ? 'The image source does not answer (or refuses this portal). Try again later.'
          : err instanceof Error
            ? err.message
            : String(err),
      );
    }
  }
}
