/**
 * Small DOM helpers: elements are built with createElement and textContent,
 * never from HTML strings, so nothing the ledger or a user returns can become
 * markup (and the strict CSP needs no inline script or style).
 */
type Child = Node | string | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) el.append(child);
  return el;
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}-${String(++counter)}`;

/** A labelled form field with its message slot next to it (aria-describedby). */
export interface Field<E extends HTMLInputElement | HTMLSelectElement> {
  readonly row: HTMLDivElement;
  readonly input: E;
  error(message: string): void;
  clear(): void;
}

export function field<E extends HTMLInputElement | HTMLSelectElement>(label: string, input: E, hint?: string): Field<E> {
  const id = input.id || nextId('f');
  input.id = id;
  const message = h('p', { id: `${id}-error`, class: 'field-error', 'aria-live': 'polite' });
  const hintEl = hint === undefined ? undefined : h('p', { id: `${id}-hint`, class: 'hint' }, hint);
  input.setAttribute('aria-describedby', [hintEl?.id, message.id].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl, message);
  return {
    row,
    input,
    error: (text) => {
      message.textContent = text;
      input.setAttribute('aria-invalid', 'true');
    },
    clear: () => {
      message.textContent = '';
      input.removeAttribute('aria-invalid');
    },
  };
}

export function input(attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

export function select(options: readonly (readonly [string, string])[], attrs: Record<string, string> = {}): HTMLSelectElement {
  return h('select', attrs, ...options.map(([value, text]) => h('option', { value }, text)));
}

export function button(text: string, onClick: () => void | Promise<void>, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', () => {
    b.disabled = true;
    void Promise.resolve(onClick()).finally(() => {
      b.disabled = false;
    });
  });
  return b;
}

/** A status line for a section: what happened, or what went wrong. */
export function status(): { el: HTMLParagraphElement; ok(text: string): void; fail(text: string): void; busy(text: string): void } {
  const el = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const set = (kind: string, text: string): void => {
    el.className = `status ${kind}`;
    el.textContent = text;
  };
  return {
    el,
    ok: (t) => {
      set('ok', t);
    },
    fail: (t) => {
      set('fail', t);
    },
    busy: (t) => {
      set('busy', t);
    },
  };
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = nextId('s');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** Shortens a 43-character id for display; the full id is in the title. */
export function shortId(id: string): HTMLElement {
  return h('code', { title: id }, `${id.slice(0, 8)}…`);
}

export const when = (iso: string): string => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

export const ID32 = /^[A-Za-z0-9_-]{43}$/;
