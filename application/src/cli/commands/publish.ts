import type { Command } from 'commander';
import { Publisher } from '../../imagesource/publisher';
import { readSourceKey } from '../../imagesource/source-key';
import { StudyStore } from '../../imagesource/study-store';
import { WalletConsentSigner } from '../../imagesource/wallet-consent';
import type { RegisterCommand } from './index';
import { imageSourcePaths, openLedger, openWallet, orthancOf, stderr } from './image-support';

/** isl publish <folder>: at the hospital, with the patient's wallet for consent. */
export const registerPublish: RegisterCommand = (program: Command, context) => {
  program
    .command('publish')
    .description("publish a study at this organisation's image source: PACS, local reference, patient consent, DefineStudy")
    .argument('<folder>', 'folder of DICOM files of one study')
    .option('--patient-wallet <file>', "the patient's wallet (default --wallet / ISL_WALLET); passphrase from ISL_WALLET_PASSPHRASE")
    .action(async (folder: string, opts: { patientWallet?: string }) => {
      const ctx = context();
      const paths = imageSourcePaths(ctx);
      const session = openLedger(ctx);
      const wallet = await openWallet(ctx, opts.patientWallet, stderr);
      try {
        const publisher = new Publisher({
          orthanc: orthancOf(ctx),
          studies: new StudyStore(paths.studies),
          ledger: session.ledger,
          key: await readSourceKey(paths.sourceKey),
          audience: session.audience,
        });
        const published = await publisher.publish(folder, new WalletConsentSigner(wallet));
        ctx.print(published, () =>
          [`published ${String(published.instances)} instances (${String(published.stored)} new in the PACS)`, `study:   ${published.reference}`, `source:  ${published.source}`, `patient key: ${published.patientKeyId}`].join('\n'),
        );
      } finally {
        wallet.close();
        session.close();
      }
    });
};
