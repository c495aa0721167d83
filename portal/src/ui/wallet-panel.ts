import { BrowserWallet } from '../crypto/wallet';
import { WalletFileError } from '../crypto/wallet-file';
import { button, field, h, input, section, status } from './dom';

/**
 * Open an `isl` wallet file (made by the CLI or here) or create one. The
 * unlocked wallet is kept only in this page's memory; the sealed file is
 * offered for download after every change.
 */
export function walletPanel(who: string, onOpen: (wallet: BrowserWallet) => void): { el: HTMLElement; save(wallet: BrowserWallet): void } {
  const file = field(`${who} wallet file`, input({ type: 'file', accept: '.json,application/json', name: `${who}-wallet-file` }));
  const pass = field('Passphrase', input({ type: 'password', autocomplete: 'current-password', name: `${who}-passphrase` }));
  const newPass = field('New passphrase', input({ type: 'password', autocomplete: 'new-password', name: `${who}-new-passphrase` }), 'At least 12 characters.');
  const state = status();
  const download = h('a', { class: 'download', hidden: '' }, 'Save wallet file');

  const save = (wallet: BrowserWallet): void => {
    download.setAttribute('href', URL.createObjectURL(new Blob([wallet.text], { type: 'application/json' })));
    download.setAttribute('download', `${who.toLowerCase()}-wallet.json`);
    download.hidden = false;
  };

  const open = async (): Promise<void> => {
    file.clear();
    pass.clear();
    const chosen = file.input.files?.[0];
    if (!chosen) {
      file.error('Choose your wallet file.');
      return;
    }
    if (pass.input.value === '') {
      pass.error('Enter the passphrase of this wallet.');
      return;
    }
    state.busy('Unlocking (this takes a second or two)…');
    try {
      const wallet = await BrowserWallet.open(await chosen.text(), pass.input.value);
      pass.input.value = '';
      state.ok(`Wallet open: ${String(wallet.records.length)} keys.`);
      onOpen(wallet);
    } catch (err) {
      state.el.textContent = '';
      if (err instanceof WalletFileError && err.code === 'WRONG_PASSPHRASE') pass.error(err.message);
      else file.error(err instanceof Error ? err.message : String(err));
    }
  };

  const create = async (): Promise<void> => {
    newPass.clear();
    if (newPass.input.value.length < 12) {
      newPass.error('Choose a passphrase of at least 12 characters.');
      return;
    }
    state.busy('Creating…');
    const wallet = await BrowserWallet.create(newPass.input.value);
    newPass.input.value = '';
    save(wallet);
    state.ok('New wallet created. Save the wallet file: it is the only copy.');
    onOpen(wallet);
  };

  const el = section(
    `${who} wallet`,
    h(
      'div',
      { class: 'columns' },
      h('div', {}, file.row, pass.row, button('Open wallet', open)),
      h('div', {}, newPass.row, button('Create a new wallet', create)),
    ),
    state.el,
    download,
  );
  return { el, save };
}
