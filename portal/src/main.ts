import './style.css';
import { GatewayApi } from './api';
import { AuditorPage } from './ui/auditor';
import { ClinicianPage } from './ui/clinician';
import { field, h, input } from './ui/dom';
import { PatientPage } from './ui/patient';

/**
 * The portal's shell: the gateway it came from, the reader token (kept in
 * this tab's memory only), and one page per role, chosen by the URL's hash.
 */
async function main(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const api = new GatewayApi();
  let config;
  try {
    config = await api.config();
  } catch (err) {
    root.replaceChildren(h('p', { class: 'status fail', role: 'alert' }, `The gateway does not answer: ${err instanceof Error ? err.message : String(err)}`));
    return;
  }
  const token = field(
    'Access token',
    input({ id: 'token', type: 'password', autocomplete: 'off' }),
    'Issued by your organisation; needed to read the ledger. Kept in this tab only.',
  );
  token.input.addEventListener('input', () => {
    api.token = token.input.value;
  });
  const pages = { patient: new PatientPage(api, config).el, clinician: new ClinicianPage(api, config).el, auditor: new AuditorPage(api).el };
  const nav = h(
    'nav',
    { 'aria-label': 'Portal sections' },
    h('a', { href: '#patient' }, 'Patient'),
    h('a', { href: '#clinician' }, 'Clinician'),
    h('a', { href: '#auditor' }, 'Auditor'),
  );
  const mainEl = h('main', { id: 'main' });
  const show = (): void => {
    const name = (location.hash.slice(1) || 'patient') as keyof typeof pages;
    const page = pages[name] as HTMLElement | undefined;
    mainEl.replaceChildren(page ?? pages.patient);
    for (const a of nav.querySelectorAll('a')) {
      if (a.getAttribute('href') === `#${name}`) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };
  window.addEventListener('hashchange', show);
  root.replaceChildren(
    h('header', {}, h('p', { class: 'brand' }, `Image Sharing Ledger — ${config.org}`), nav, h('div', { class: 'token' }, token.row)),
    mainEl,
  );
  show();
}

void main();
