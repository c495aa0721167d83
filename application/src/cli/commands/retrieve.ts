import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { retrieveStudy } from '../../retrieval/retrieve-client';
import { CliError } from '../context';
import type { RegisterCommand } from './index';
import { gateway, openWallet } from '../session';
import { consortiumCas } from './image-support';

/** isl recipient-key / isl retrieve: the recipient's side. */
export const registerRetrieve: RegisterCommand = (program: Command, context) => {
  program
    .command('recipient-key')
    .description('make a fresh recipient key in your wallet and print its id (give it to the patient to be granted)')
    .option('--alg <alg>', 'ES256 (P-256) or EdDSA (Ed25519)', 'ES256')
    .action(async (opts: { alg: string }) => {
      const ctx = context();
      if (opts.alg !== 'ES256' && opts.alg !== 'EdDSA') throw new CliError('--alg must be ES256 or EdDSA', 2);
      const wallet = await openWallet(ctx);
      try {
        const key = await wallet.deriveKey('recipient', await wallet.newStudyContext('recipient'), opts.alg);
        ctx.print({ keyId: key.keyId }, () => key.keyId);
      } finally {
        wallet.close();
      }
    });
  program
    .command('retrieve')
    .description('retrieve a study you were granted from its image source (URL from the ledger), and write its DICOM files')
    .requiredOption('--study <ref>', 'the study reference')
    .requiredOption('--source <keyId>', 'the image source (key id)')
    .option('--protocol <name>', 'wado-rs, xds-i (ITI-43 manifest + RAD-69) or iti43 (the instances over ITI-43)', 'wado-rs')
    .option('--key <keyId>', 'your recipient key (default: the newest in your wallet)')
    .option('--out <folder>', 'where to write the files (default ./<study>)')
    .option('--encrypted', 'ask for the release encrypted end to end to your key; each file is decrypted and verified (a tampered one is refused, none kept)')
    .action(async (opts: { study: string; source: string; protocol: string; key?: string; out?: string; encrypted?: boolean }) => {
      const ctx = context();
      if (opts.protocol !== 'wado-rs' && opts.protocol !== 'iti43' && opts.protocol !== 'xds-i')
        throw new CliError('--protocol must be wado-rs, xds-i or iti43', 2);
      const wallet = await openWallet(ctx);
      try {
        // The source's URL from the ledger's directory (GetSource), read through the organisation's gateway.
        const source = z.object({ url: z.string(), active: z.boolean() }).parse(await gateway(ctx).get(`/sources/${encodeURIComponent(opts.source)}`));
        const keyId = opts.key ?? wallet.labels.filter((r) => r.role === 'recipient' && r.purpose === 'study').at(-1)?.keyId;
        if (keyId === undefined) throw new CliError('your wallet has no recipient key: run isl recipient-key first');
        const key = await wallet.keyById(keyId);
        const outDir = resolve(opts.out ?? opts.study);
        const got = await retrieveStudy({
          url: source.url,
          sourceId: opts.source,
          study: opts.study,
          key,
          protocol: opts.protocol,
          ca: consortiumCas(ctx),
          outDir,
          encrypted: opts.encrypted === true,
        });
        const how = opts.encrypted === true ? ', encrypted end to end,' : '';
        ctx.print(
          { outDir, files: got.files.length, bytes: got.bytes, encrypted: opts.encrypted === true },
          () => `retrieved ${String(got.files.length)} DICOM instances (${String(got.bytes)} bytes)${how} over ${opts.protocol} into ${outDir}`,
        );
      } finally {
        wallet.close();
      }
    });
};
