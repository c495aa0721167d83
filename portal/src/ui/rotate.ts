import type { GatewayApi, PortalConfig } from '../api';
import { decodeRecoveryCode, RecoveryCodeError } from '../crypto/recovery-code';
import { findRecoveryKey } from '../crypto/rotation';
import { signStatement } from '../crypto/statement';
import type { BrowserWallet } from '../crypto/wallet';
import { button, field, h, ID32, input, section, status } from './dom';
import { confirmBeforeSigning } from './preview';

interface Context {
  readonly api: GatewayApi;
  readonly config: PortalConfig;
  readonly wallet: () => BrowserWallet | undefined;
  /** Told once the study belongs to the open wallet (to offer the new wallet file and list the study). */
  readonly moved: (wallet: BrowserWallet) => void;
}

/**
 * Moves a study from a lost wallet into the open one (docs/wallet.md, Recovery,
 * case 3): the old wallet's recovery code gives its recovery key for the study,
 * which signs RotateOwnerKey naming this wallet's new study and recovery keys.
 */
export function rotateSection(c: Context): HTMLElement {
  const code = field(
    'Recovery code of the lost wallet',
    input({ id: 'rotate-code', autocomplete: 'off', spellcheck: 'false' }),
    '60 characters in groups of 5.',
  );
  const source = field('Image source (key id)', input({ id: 'rotate-source', autocomplete: 'off', spellcheck: 'false' }));
  const study = field('Study reference', input({ id: 'rotate-study', autocomplete: 'off', spellcheck: 'false' }));
  const slot = h('div', {});
  const state = status();
  const review = async (): Promise<void> => {
    for (const f of [code, source, study]) f.clear();
    const wallet = c.wallet();
    if (!wallet) {
      state.fail('Open (or create) the wallet the study moves to first.');
      return;
    }
    const ids = [source, study].filter((f) => !ID32.test(f.input.value.trim()));
    for (const f of ids) f.error('This must be 43 letters, digits, "-" or "_" (copy it whole).');
    let secret: Uint8Array<ArrayBuffer>;
    try {
      secret = await decodeRecoveryCode(code.input.value);
    } catch (err) {
      code.error(err instanceof RecoveryCodeError ? err.message : String(err));
      return;
    }
    if (ids.length > 0) return;
    const target = { source: source.input.value.trim(), study: study.input.value.trim() };
    try {
      state.busy('Looking the study up…');
      const record = await c.api.get<{ recovery?: string }>(`sources/${target.source}/studies/${target.study}`);
      if (record.recovery === undefined) {
        state.fail('This study names no recovery key: its owner key cannot be rotated.');
        return;
      }
      const old = await findRecoveryKey(secret, record.recovery);
      secret.fill(0);
      if (!old) {
        code.error('This recovery code is not the one of the wallet that owns this study.');
        state.el.textContent = '';
        return;
      }
      state.el.textContent = '';
      confirmBeforeSigning(
        slot,
        `You move study ${target.study} at image source ${target.source} to the wallet open in this page: from now on its new key, not the lost one, grants and revokes access. Existing grants stay in force.`,
        [
          ['Statement', 'RotateOwnerKey'],
          ['Signed with', `the lost wallet's recovery key ${old.keyId}`],
        ],
        async () => {
          const keys = await wallet.newPatientKeys();
          const statement = await signStatement(
            'RotateOwnerKey',
            { ...target, patient: keys.key.keyId, recovery: keys.recovery.keyId },
            old,
            c.config.audience,
          );
          try {
            const result = await c.api.relay('rotations', statement);
            await wallet.bindStudy(keys.context, target.study);
            state.ok(`The study is yours again (block ${result.blockNumber}). Save the wallet file.`);
            c.moved(wallet);
          } catch (err) {
            state.fail(err instanceof Error ? err.message : String(err));
          }
        },
      );
    } catch (err) {
      state.fail(err instanceof Error ? err.message : String(err));
    }
  };
  return section('Move a study from a lost wallet', code.row, source.row, study.row, button('Review', review), slot, state.el);
}
