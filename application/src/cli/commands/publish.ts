import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ImageSourceUnavailable, openLocalPublisher } from '../../imagesource/local-publisher';
import { WalletConsentSigner } from '../../imagesource/wallet-consent';
import { CliError } from '../context';
import type { RegisterCommand } from './index';
import { openWallet } from '../session';
import { openLedger } from './image-support';

/** isl publish <folder>: at the hospital, with the patient's wallet for consent. */
export const registerPublish: RegisterCommand = (program: Command, context) => {
  program
    .command('publish')
    .description("publish a study at this organisation's image source: PACS, local reference, patient consent, DefineStudy")
    .argument('<folder>', 'folder of DICOM files of one study')
    .option('--patient-wallet <file>', "the patient's wallet (default --wallet / ISL_WALLET); passphrase from ISL_WALLET_PASSPHRASE")
    .action(async (folder: string, opts: { patientWallet?: string }) => {
      const ctx = context();
      const session = openLedger(ctx);
      try {
        let publisher;
        try {
          publisher = await openLocalPublisher({ runDir: dirname(ctx.profilePath), org: ctx.organisation(), ledger: session.ledger, audience: session.audience });
        } catch (err) {
          if (err instanceof ImageSourceUnavailable) throw new CliError(err.message);
          throw err;
        }
        const wallet = await openWallet(ctx, opts.patientWallet);
        try {
          const published = await publisher.publish(folder, new WalletConsentSigner(wallet));
          ctx.print(published, () =>
            [`published ${String(published.instances)} instances (${String(published.stored)} new in the PACS)`, `study:   ${published.reference}`, `source:  ${published.source}`, `patient key: ${published.patientKeyId}`].join('\n'),
          );
        } finally {
          wallet.close();
        }
      } finally {
        session.close();
      }
    });
};
