import type { Command } from 'commander';
import { z } from 'zod';
import { BreakGlassLease } from '../../audit/break-glass-review';
import { GatewayHttpError, type GatewayClient } from '../../client/gateway-client';
import type { CliContext } from '../context';
import type { RegisterCommand } from './index';
import { gateway, openWallet } from '../session';

const disclosure = z.object({
  kind: z.literal('disclosure'),
  source: z.string(),
  study: z.string(),
  recipient: z.string(),
  disclosedAt: z.string(),
  size: z.number(),
  requestId: z.string(),
  breakGlass: z.string().optional(),
});
type Disclosure = z.infer<typeof disclosure>;
const breakGlass = BreakGlassLease.extend({ kind: z.literal('breakglass') });
type BreakGlass = z.infer<typeof breakGlass>;

interface Target {
  readonly source: string;
  readonly study: string;
}

/**
 * isl disclosures: every release of your studies (accounting of disclosures, 45 CFR 164.528),
 * after every break-glass lease of them (docs/protocol.md §11): the emergency accesses come first.
 */
export const registerDisclosures: RegisterCommand = (program: Command, context) => {
  program
    .command('disclosures')
    .description('show every release of your studies recorded on the ledger (all studies in your wallet, or one)')
    .option('--study <ref>', 'one study reference')
    .option('--source <keyId>', 'its image source')
    .action(async (opts: { study?: string; source?: string }) => {
      const ctx = context();
      const api = gateway(ctx);
      const targets =
        opts.study !== undefined && opts.source !== undefined ? [{ source: opts.source, study: opts.study }] : await walletStudies(ctx, api, opts.study);
      const leases: BreakGlass[] = [];
      const all: Disclosure[] = [];
      for (const t of targets) {
        const path = `/sources/${encodeURIComponent(t.source)}/studies/${encodeURIComponent(t.study)}`;
        leases.push(...z.array(breakGlass).parse(await api.get(`${path}/break-glass`)));
        all.push(...z.array(disclosure).parse(await api.get(`${path}/disclosures`)));
      }
      leases.sort((a, b) => a.grantedAt.localeCompare(b.grantedAt));
      all.sort((a, b) => a.disclosedAt.localeCompare(b.disclosedAt));
      ctx.print([...leases, ...all], () =>
        [...leases.map(describeLease), ...(all.length === 0 ? ['no releases recorded'] : all.map(describeRelease))].join('\n'),
      );
    });
};

function describeLease(b: BreakGlass): string {
  const held = b.grantHeld ? ' (who also held your grant)' : '';
  return `BREAK-GLASS ${b.grantedAt}  study ${b.study}  emergency access by ${b.recipient}${held} of ${b.hospital} until ${b.until}  (source ${b.source})`;
}

function describeRelease(d: Disclosure): string {
  const basis = d.breakGlass === undefined ? '' : '  [break-glass]';
  return `${d.disclosedAt}  study ${d.study}  to ${d.recipient}  ${String(d.size)} bytes  (source ${d.source}, request ${d.requestId})${basis}`;
}

/** The patient's studies in the wallet (or the one named), each with the source that published it. */
async function walletStudies(ctx: CliContext, api: GatewayClient, only: string | undefined): Promise<Target[]> {
  const wallet = await openWallet(ctx);
  const studies = wallet.labels
    .filter((r) => r.role === 'patient' && r.purpose === 'study' && r.studyRef !== undefined && (only === undefined || r.studyRef === only))
    .map((r) => r.studyRef ?? '');
  wallet.close();
  // The wallet does not record which source published a study: ask every source that could.
  const sources = z.array(z.object({ source: z.string() })).parse(await api.get('/sources'));
  const targets: Target[] = [];
  for (const study of studies) {
    for (const s of sources) {
      try {
        await api.get(`/sources/${encodeURIComponent(s.source)}/studies/${encodeURIComponent(study)}`);
        targets.push({ source: s.source, study });
      } catch (err) {
        // Not this source's study; anything else (gateway unreachable, token refused) is the answer.
        if (!(err instanceof GatewayHttpError && err.code === 'STUDY_NOT_FOUND')) throw err;
      }
    }
  }
  return targets;
}
