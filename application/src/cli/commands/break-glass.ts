import { CliError } from '../context';
import type { RegisterCommand } from '.';
import { parseUntil, signStatement, withWallet } from '../session';
import { finish, patientKey, recipientKey, withTarget } from './statements';

interface Target {
  readonly source: string;
  readonly study: string;
  readonly signOnly: boolean;
}

/**
 * Break-glass (docs/protocol.md §11): a clinician opens an emergency lease through their own
 * hospital's gateway (its member token: the hospital vouches for them), and a patient forbids
 * or allows again break-glass for a study.
 */
export const registerBreakGlass: RegisterCommand = (program, context) => {
  withTarget(program.command('break-glass'))
    .description("as a clinician in an emergency, open a short lease of a study without the patient's grant (ETREAT); relayed by your hospital")
    .option('--hospital <msp>', "your hospital's MSP ID (default: the --org organisation's)")
    .option('--until <when>', 'end of the lease: a duration (4h) or a date, at most 24 h ahead', '4h')
    .action(async (o: Target & { hospital?: string; until: string }) => {
      const ctx = context();
      const hospital = o.hospital ?? ctx.organisation().mspId;
      await withWallet(ctx, async (w) => {
        const key = await recipientKey(w, o.study);
        const fields = { source: o.source, study: o.study, hospital, purpose: 'ETREAT' as const, until: parseUntil(o.until) };
        await finish(ctx, await signStatement(ctx, 'BreakGlass', fields, key), o.signOnly, { recipient: key.keyId, hospital, until: fields.until });
      });
    });

  withTarget(program.command('break-glass-consent'))
    .description('as a patient, forbid (--forbid) or allow again (--allow) break-glass access to a study')
    .option('--forbid', 'forbid break-glass access')
    .option('--allow', 'allow break-glass access again')
    .action(async (o: Target & { forbid?: boolean; allow?: boolean }) => {
      if (o.forbid === o.allow) {
        throw new CliError('give exactly one of --forbid and --allow', 2);
      }
      const ctx = context();
      await withWallet(ctx, async (w) => {
        const { key } = await patientKey(w, o.study);
        const statement = await signStatement(ctx, 'BreakGlassConsent', { source: o.source, study: o.study, allow: o.allow === true }, key);
        await finish(ctx, statement, o.signOnly, { breakGlass: o.allow === true ? 'allowed' : 'forbidden' });
      });
    });
};
