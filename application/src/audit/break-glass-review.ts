import type { Contract } from '@hyperledger/fabric-gateway';
import { z } from 'zod';

const release = z.object({ id: z.string(), disclosedAt: z.string(), size: z.number(), requestId: z.string() });
/** A break-glass lease record as the ledger shows it (docs/protocol.md §11.2). */
export const BreakGlassLease = z.object({
  id: z.string(),
  source: z.string(),
  study: z.string(),
  recipient: z.string(),
  hospital: z.string(),
  grantedAt: z.string(),
  until: z.string(),
  grantHeld: z.boolean(),
});
const lease = BreakGlassLease.extend({ releases: z.array(release) });
export type BreakGlassReview = z.infer<typeof lease>;

/** Every break-glass lease since `since` (empty: all time) with what was released under it (AuditBreakGlass, docs/protocol.md §11.2). */
export async function reviewBreakGlass(contract: Contract, since: string): Promise<BreakGlassReview[]> {
  return z.array(lease).parse(JSON.parse(new TextDecoder().decode(await contract.evaluateTransaction('AuditBreakGlass', since))));
}

/** One paragraph per lease: who, which hospital, when, and each release. */
export function formatBreakGlassReview(leases: readonly BreakGlassReview[]): string {
  if (leases.length === 0) {
    return 'no break-glass leases';
  }
  return leases
    .map((l) => {
      const head = `${l.grantedAt}  ${l.hospital}  clinician ${l.recipient}  study ${l.study} (source ${l.source})  until ${l.until}${l.grantHeld ? '  (also held a grant)' : ''}`;
      const bytes = l.releases.reduce((sum, r) => sum + r.size, 0);
      const lines = l.releases.map((r) => `    released ${r.disclosedAt}  ${String(r.size)} bytes  request ${r.requestId}`);
      return [head, `  ${l.releases.length === 0 ? 'nothing released' : `${String(l.releases.length)} release(s), ${String(bytes)} bytes`}`, ...lines].join(
        '\n',
      );
    })
    .join('\n');
}
