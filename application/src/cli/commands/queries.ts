import type { RegisterCommand } from '.';
import { gateway, openWallet } from '../session';

interface Access {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly grant?: { readonly until?: string | number };
}

/** Read-only verbs: check access, my studies and grants, sources, history. */
export const registerQueries: RegisterCommand = (program, context) => {
  program
    .command('check')
    .description('may this recipient retrieve this study now?')
    .requiredOption('--source <keyId>', "the image source's key id")
    .requiredOption('--study <ref>', 'the study reference')
    .requiredOption('--recipient <keyId>', "the recipient's key id")
    .action(async (o: { source: string; study: string; recipient: string }) => {
      const ctx = context();
      const access = await gateway(ctx).get<Access>('/access', o);
      ctx.print(access, () => (access.allowed ? 'allowed' : `denied: ${access.reason ?? 'no grant'}`));
      if (!access.allowed) {
        process.exitCode = 3;
      }
    });
  program
    .command('studies')
    .description('as a patient, list your studies and their grants')
    .action(async () => {
      const ctx = context();
      const w = await openWallet(ctx);
      const mine = w.labels.filter((k) => k.role === 'patient' && k.purpose === 'study' && k.studyRef !== undefined);
      w.close();
      const api = gateway(ctx);
      const sources = await api.get<{ id?: string; key?: string; source?: string }[]>('/sources');
      const rows: { study: string; source: string; grants: unknown[] }[] = [];
      for (const k of mine) {
        for (const s of sources) {
          const sourceId = s.id ?? s.source ?? s.key;
          if (sourceId === undefined) {
            continue;
          }
          const grants = await api.get<unknown[]>(`/sources/${sourceId}/studies/${k.studyRef ?? ''}/grants`).catch(() => undefined);
          if (grants !== undefined) {
            rows.push({ study: k.studyRef ?? '', source: sourceId, grants });
            break;
          }
        }
      }
      ctx.print({ studies: rows }, () =>
        rows.length === 0 ? 'No studies yet.' : rows.map((r) => `${r.study} at ${r.source}: ${String(r.grants.length)} grant(s)`).join('\n'),
      );
    });
  program
    .command('grants')
    .description("a study's grants, current and revoked")
    .requiredOption('--source <keyId>', "the image source's key id")
    .requiredOption('--study <ref>', 'the study reference')
    .action(async (o: { source: string; study: string }) => {
      const ctx = context();
      const grants = await gateway(ctx).get<Record<string, unknown>[]>(`/sources/${o.source}/studies/${o.study}/grants`);
      ctx.print(grants, () => (grants.length === 0 ? 'No grants.' : grants.map((g) => JSON.stringify(g)).join('\n')));
    });
  program
    .command('sources')
    .description('the directory of image sources')
    .action(async () => {
      const ctx = context();
      const sources = await gateway(ctx).get<Record<string, unknown>[]>('/sources');
      ctx.print(sources, () => sources.map((s) => JSON.stringify(s)).join('\n'));
    });
  program
    .command('history <key>')
    .description("a record's full history (e.g. grant/<source>/<study>/<recipient>)")
    .action(async (key: string) => {
      const ctx = context();
      const h = await gateway(ctx).get<{ key: string; history: { txId: string; timestamp: string; value?: unknown; isDelete?: boolean }[] }>('/history', {
        key,
      });
      ctx.print(h, () => h.history.map((e) => `${e.timestamp}  ${e.txId}  ${JSON.stringify(e.value ?? null)}`).join('\n'));
    });
};
