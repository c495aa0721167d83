import type { Command } from 'commander';
import { Wallet } from '../../wallet';
import { CliError } from '../context';
import type { RegisterCommand } from '.';
import { openWallet, passphrase, walletStore } from '../session';

const ROLES = ['patient', 'recipient'] as const;
const ALGS = ['ES256', 'EdDSA'] as const;

function role(value: string): (typeof ROLES)[number] {
  const found = ROLES.find((r) => r === value);
  if (!found) {
    throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2);
  }
  return found;
}

function alg(value: string): (typeof ALGS)[number] {
  const found = ALGS.find((a) => a === value);
  if (!found) {
    throw new CliError(`--alg must be one of ${ALGS.join(', ')}`, 2);
  }
  return found;
}

/** isl wallet create | import | export | show | derive. */
export const registerWallet: RegisterCommand = (program: Command, context) => {
  const wallet = program.command('wallet').description('Your keys: one secret, a fresh key per study (patients and recipients)');
  wallet
    .command('create')
    .description('create a wallet with a new master secret; prints its recovery code once')
    .action(async () => {
      const ctx = context();
      const store = walletStore(ctx);
      if (await store.exists()) {
        throw new CliError(`a wallet already exists at ${store.path}`);
      }
      const w = await Wallet.create(store, await passphrase(ctx, 'New wallet passphrase: '));
      const code = w.exportRecoveryCode();
      w.close();
      ctx.print(
        { path: store.path, recoveryCode: code },
        () => `Created ${store.path}\nRecovery code (write it down, keep it apart from this computer):\n  ${code}`,
      );
    });
  wallet
    .command('import <recoveryCode>')
    .description('rebuild a wallet from its recovery code')
    .action(async (code: string) => {
      const ctx = context();
      const store = walletStore(ctx);
      const w = await Wallet.importRecoveryCode(store, code, await passphrase(ctx, 'New wallet passphrase: '));
      w.close();
      ctx.print({ path: store.path }, () => `Imported into ${store.path}`);
    });
  wallet
    .command('export')
    .description('print the recovery code')
    .action(async () => {
      const ctx = context();
      const w = await openWallet(ctx);
      const code = w.exportRecoveryCode();
      w.close();
      ctx.print({ recoveryCode: code }, () => code);
    });
  wallet
    .command('show')
    .description('list the keys the wallet has used and the studies they belong to')
    .action(async () => {
      const ctx = context();
      const w = await openWallet(ctx);
      const keys = w.labels.map((k) => ({ role: k.role, purpose: k.purpose, context: k.context, alg: k.alg, keyId: k.keyId, study: k.studyRef ?? null }));
      w.close();
      ctx.print({ keys }, () =>
        keys.length === 0
          ? 'No keys used yet.'
          : keys.map((k) => `${k.role.padEnd(9)} ${k.purpose.padEnd(8)} ${k.context.padEnd(10)} ${k.keyId}  ${k.study ?? '(no study yet)'}`).join('\n'),
      );
    });
  wallet
    .command('derive')
    .description('derive a key (a fresh one per study when --context is omitted)')
    .option('--role <role>', 'patient or recipient', 'patient')
    .option('--context <label>', 'derivation context; default: the next study-N')
    .option('--alg <alg>', 'ES256 or EdDSA', 'ES256')
    .action(async (o: { role: string; context?: string; alg: string }) => {
      const ctx = context();
      const w = await openWallet(ctx);
      const r = role(o.role);
      const label = o.context ?? (await w.newStudyContext(r));
      const key = await w.deriveKey(r, label, alg(o.alg));
      w.close();
      ctx.print({ context: label, keyId: key.keyId, publicJwk: key.publicJwk }, () => `${label}: ${key.keyId}`);
    });
};
