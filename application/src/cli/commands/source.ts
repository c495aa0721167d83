import { existsSync, writeFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { generateStatementKey, newStudyReference, thumbprint } from '@isl/chaincode';
import { CliError } from '../context';
import type { RegisterCommand } from '.';
import { gateway, readJwkFile, signStatement } from '../session';
import type { WriteResult } from '../../client/gateway-client';

const committed = (r: WriteResult): string =>
  r.alreadyApplied ? `Already on the ledger (transaction ${r.transactionId}).` : `Committed in block ${r.blockNumber ?? '?'}, transaction ${r.transactionId}.`;

/** Hospital side: an image source's key, its definition, and its studies. */
export const registerSource: RegisterCommand = (program, context) => {
  const source = program.command('source').description("an imaging centre's source key and retrieval URL (hospital staff)");
  source
    .command('keygen')
    .description('make a new source key (ES256) in a file readable only by you')
    .requiredOption('--out <file>', 'where to write the private JWK')
    .action(async (o: { out: string }) => {
      const ctx = context();
      if (existsSync(o.out)) {
        throw new CliError(`${o.out} exists; refusing to overwrite a key`);
      }
      const { privateJwk } = await generateStatementKey('ES256');
      writeFileSync(o.out, JSON.stringify(privateJwk), { mode: 0o600 });
      const id = await thumbprint(privateJwk);
      ctx.print({ keyId: id, file: o.out }, () => `Source key ${id} written to ${o.out}`);
    });
  source
    .command('define')
    .description('define the source on the ledger with its retrieval URL (relayed by your organisation)')
    .requiredOption('--key <file>', "the source's private JWK")
    .requiredOption('--url <url>', 'where recipients retrieve images (ITI-43 / WADO-RS base URL)')
    .action(async (o: { key: string; url: string }) => {
      const ctx = context();
      const r = await gateway(ctx).relay(await signStatement(ctx, 'DefineSource', { url: o.url }, readJwkFile(o.key)));
      ctx.print(r, () => committed(r));
    });
  source
    .command('url')
    .description("change the source's retrieval URL")
    .requiredOption('--key <file>', "the source's private JWK")
    .requiredOption('--url <url>', 'the new URL')
    .action(async (o: { key: string; url: string }) => {
      const ctx = context();
      const r = await gateway(ctx).relay(await signStatement(ctx, 'UpdateSourceUrl', { url: o.url }, readJwkFile(o.key)));
      ctx.print(r, () => committed(r));
    });
  source
    .command('deactivate')
    .description('deactivate the source (it can no longer define studies or be retrieved from)')
    .requiredOption('--key <file>', "the source's private JWK")
    .action(async (o: { key: string }) => {
      const ctx = context();
      const r = await gateway(ctx).relay(await signStatement(ctx, 'DeactivateSource', {}, readJwkFile(o.key)));
      ctx.print(r, () => committed(r));
    });

  const study = program.command('study').description('studies at an image source (hospital staff)');
  study
    .command('reference')
    .description('a fresh random study reference (keep its mapping to the Study Instance UID in your PACS, never on the ledger)')
    .action(() => {
      const ctx = context();
      const ref = newStudyReference();
      ctx.print({ study: ref }, () => ref);
    });
  study
    .command('define')
    .description("define a study with the patient's consent statement (from `isl consent`)")
    .requiredOption('--key <file>', "the source's private JWK")
    .requiredOption('--consent <jws>', "the patient's consent statement")
    .action(async (o: { key: string; consent: string }) => {
      const ctx = context();
      const study = decodeJwt(o.consent).study;
      if (typeof study !== 'string') {
        throw new CliError('--consent is not a patient consent statement (no study claim)');
      }
      const r = await gateway(ctx).relay(await signStatement(ctx, 'DefineStudy', { study, consent: o.consent }, readJwkFile(o.key)));
      ctx.print({ ...r, study }, () => `${committed(r)} Study ${study}.`);
    });
};
