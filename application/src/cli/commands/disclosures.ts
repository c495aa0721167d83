import type { Command } from 'commander';
import { z } from 'zod';
import type { RegisterCommand } from './index';
import { openWallet } from '../session';
import { openLedger } from './image-support';

const disclosure = z.object({ source: z.string(), study: z.string(), recipient: z.string(), disclosedAt: z.string(), size: z.number(), requestId: z.string() });
type Disclosure = z.infer<typeof disclosure>;

/** isl disclosures: every release of your studies (accounting of disclosures, 45 CFR 164.528). */
export const registerDisclosures: RegisterCommand = (program: Command, context) => {
  program
    .command('disclosures')
    .description('show every release of your studies recorded on the ledger (all studies in your wallet, or one)')
    .option('--study <ref>', 'one study reference')
    .option('--source <keyId>', 'its image source')
    .action(async (opts: { study?: string; source?: string }) => {
      const ctx = context();
      const session = openLedger(ctx);
      try {
        let pairs: { source: string; study: string }[];
        if (opts.study !== undefined && opts.source !== undefined) {
          pairs = [{ source: opts.source, study: opts.study }];
        } else {
          const wallet = await openWallet(ctx);
          const studies = wallet.labels.filter((r) => r.role === 'patient' && r.purpose === 'study' && r.studyRef !== undefined && (opts.study === undefined || r.studyRef === opts.study)).map((r) => r.studyRef ?? '');
          wallet.close();
          // The wallet does not record which source published a study: ask every source that could.
          const sources = z.array(z.object({ source: z.string() })).parse(await session.ledger.evaluate('ListSources', []));
          pairs = [];
          for (const study of studies) {
            for (const s of sources) {
              try {
                await session.ledger.evaluate('GetStudy', [s.source, study]);
                pairs.push({ source: s.source, study });
              } catch {
                // not this source's study
              }
            }
          }
        }
        const all: Disclosure[] = [];
        for (const p of pairs) {
          all.push(...z.array(disclosure).parse(await session.ledger.evaluate('ListDisclosures', [p.source, p.study])));
        }
        all.sort((a, b) => a.disclosedAt.localeCompare(b.disclosedAt));
        ctx.print(all, () =>
          all.length === 0 ? 'no releases recorded' : all.map((d) => `${d.disclosedAt}  study ${d.study}  to ${d.recipient}  ${String(d.size)} bytes  (source ${d.source}, request ${d.requestId})`).join('\n'),
        );
      } finally {
        session.close();
      }
    });
};
