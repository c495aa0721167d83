import { organisationHome } from '@isl/network';
import type { Command } from 'commander';
import { ImageSourceUnavailable, openLocalPublisher } from '../../publishing/local-publisher';
import { dicomFilesIn, type Published } from '../../publishing/publisher';
import { WalletConsentSigner } from '../../publishing/wallet-consent';
import { CliError, type CliContext } from '../context';
import type { RegisterCommand } from './index';
import { gateway, openWallet } from '../session';
import { openLedger } from './image-support';

/**
 * Through the organisation's gateway (REST, member token): for a workstation
 * that holds neither the source key nor the PACS credentials.
 */
async function publishRemotely(ctx: CliContext, folder: string, patientWallet: string | undefined): Promise<Published> {
  const files = dicomFilesIn(folder);
  if (files.length === 0) throw new CliError(`no DICOM files in ${folder}`);
  const wallet = await openWallet(ctx, patientWallet);
  try {
    const api = gateway(ctx);
    const staged = await api.stagePublication(files);
    const { consent } = await new WalletConsentSigner(wallet).signConsent(staged.source, staged.reference, staged.consentRequest.aud);
    const defined = await api.definePublication(staged.reference, consent);
    return {
      reference: defined.reference,
      source: defined.source,
      patientKeyId: defined.patientKey,
      instances: staged.instances,
      stored: staged.stored,
      ...(defined.transactionId !== undefined ? { transactionId: defined.transactionId } : {}),
      ...(defined.blockNumber !== undefined ? { blockNumber: BigInt(defined.blockNumber) } : {}),
    };
  } finally {
    wallet.close();
  }
}

/** On the machine that runs the image source: its key, PACS and records directly. */
async function publishLocally(ctx: CliContext, folder: string, patientWallet: string | undefined): Promise<Published> {
  const session = openLedger(ctx);
  try {
    let publisher;
    try {
      publisher = await openLocalPublisher({
        runDir: organisationHome(ctx.profilePath, ctx.organisation()),
        org: ctx.organisation(),
        ledger: session.ledger,
        audience: session.audience,
      });
    } catch (err) {
      if (err instanceof ImageSourceUnavailable) throw new CliError(`${err.message}; or publish through the gateway with --remote`);
      throw err;
    }
    const wallet = await openWallet(ctx, patientWallet);
    try {
      return await publisher.publish(folder, new WalletConsentSigner(wallet));
    } finally {
      wallet.close();
    }
  } finally {
    session.close();
  }
}

/** isl publish <folder>: at the hospital, with the patient's wallet for consent. */
export const registerPublish: RegisterCommand = (program: Command, context) => {
  program
    .command('publish')
    .description("publish a study at this organisation's image source: PACS, local reference, patient consent, DefineStudy")
    .argument('<folder>', 'folder of DICOM files of one study')
    .option('--patient-wallet <file>', "the patient's wallet (default --wallet / ISL_WALLET); passphrase from ISL_WALLET_PASSPHRASE")
    .option('--remote', "through the organisation's gateway (REST, member token) instead of this machine's image-source files", false)
    .action(async (folder: string, opts: { patientWallet?: string; remote: boolean }) => {
      const ctx = context();
      const published = opts.remote ? await publishRemotely(ctx, folder, opts.patientWallet) : await publishLocally(ctx, folder, opts.patientWallet);
      ctx.print(published, () =>
        [
          `published ${String(published.instances)} instances (${String(published.stored)} new in the PACS)`,
          `study:   ${published.reference}`,
          `source:  ${published.source}`,
          `patient key: ${published.patientKeyId}`,
        ].join('\n'),
      );
    });
};
