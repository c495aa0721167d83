import type { LedgerClient } from '../ledger/ledger-client';

export interface AccessDecision {
  readonly allowed: boolean;
  /** The chaincode's reason when refused (logged, never shown to the requester). */
  readonly reason?: string;
}

/**
 * Asks this source's own peer (through its organisation's gateway) whether a
 * recipient holds an unexpired, unrevoked grant now. Evaluated per request,
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
    const result = await this.#ledger.evaluate<{ allowed: boolean; reason?: string }>('CheckAccess', [this.#source, study, recipient, '']);
    return result.allowed ? { allowed: true } : { allowed: false, reason: result.reason ?? 'NO_GRANT' };
  }
}
