import type { LedgerClient } from '../ledger/ledger-client';

export interface AccessDecision {
  readonly allowed: boolean;
  /** The chaincode's reason when refused (logged, never shown to the requester). */
  readonly reason?: string;
  /** Allowed under this break-glass lease (the digest of its statement), not under a grant. */
  readonly breakGlass?: string;
}

/**
 * Asks this source's own peer (through its organisation's gateway) whether a
 * recipient holds an unexpired, unrevoked grant, or an active break-glass
 * lease (docs/protocol.md §11), now. Evaluated per request,
 * never cached: a revocation takes effect as soon as its block is committed
 * at the peer.
 */
export class AccessPolicy {
  readonly #ledger: LedgerClient;
  readonly #source: string;

  constructor(ledger: LedgerClient, source: string) {
    this.#ledger = ledger;
    this.#source = source;
  }

  async check(study: string, recipient: string): Promise<AccessDecision> {
    const result = await this.#ledger.evaluate<{ allowed: boolean; reason?: string; breakGlass?: { statement: string } }>('CheckAccess', [
      this.#source,
      study,
      recipient,
      '',
    ]);
    if (!result.allowed) {
      return { allowed: false, reason: result.reason ?? 'NO_GRANT' };
    }
    return result.breakGlass === undefined ? { allowed: true } : { allowed: true, breakGlass: result.breakGlass.statement };
  }
}
