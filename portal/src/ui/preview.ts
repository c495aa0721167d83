import { button, h } from './dom';

/**
 * Shows, in plain words, exactly what a statement will say, and signs only
 * when the user confirms: nothing is signed before that click.
 */
export function confirmBeforeSigning(slot: HTMLElement, sentence: string, details: readonly (readonly [string, string])[], sign: () => Promise<void>): void {
  slot.replaceChildren(
    h(
      'div',
      { class: 'preview', role: 'region', 'aria-label': 'What you are about to sign' },
      h('p', { class: 'preview-sentence' }, sentence),
      h('dl', {}, ...details.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      button('Sign and send', async () => {
        await sign();
        slot.replaceChildren();
      }),
      button(
        'Cancel',
        () => {
          slot.replaceChildren();
        },
        { class: 'secondary' },
      ),
    ),
  );
  slot.querySelector('button')?.focus();
}
