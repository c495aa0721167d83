import { Id32 } from '@isl/chaincode';
import type { LedgerClient } from '../ledger/ledger-client';
import type { GrantView } from './grant-view';

export interface AccessDecision {
  readonly allowed: boolean;
  /** The chaincode's reason when refused (logged, never shown to the requester). */
  readonly reason?: string;
  /** Allowed under this break-glass lease (the digest of its statement), not under a grant. */
  readonly breakGlass?: string;
}

/** CheckAccess's answer, from the peer or the view (the same function over the same records). */
interface CheckAccessResult {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly breakGlass?: { readonly statement: string };
}

/**
 * Whether a recipient holds an unexpired, unrevoked grant, or an active
 * break-glass lease (docs/protocol.md §11), now: CheckAccess, answered by the
 * source's local grant view while it is live, else evaluated at this source's
 * own peer (through its organisation's gateway). Never cached beyond the view:
 * a revocation takes effect as soon as the peer delivers its block
 * (docs/image-retrieval.md, "The grant decision").
 */
export class AccessPolicy {
  readonly #ledger: Pick<LedgerClient, 'evaluate'>;
  readonly #source: string;
  readonly #view: Pick<GrantView, 'decide'> | undefined;
  #answered = { view: 0, peer: 0 };

  constructor(ledger: Pick<LedgerClient, 'evaluate'>, source: string, view?: Pick<GrantView, 'decide'>) {
    this.#ledger = ledger;
    this.#source = source;
    this.#view = view;
  }

  /** How many decisions the view answered and how many went to the peer (for /healthz). */
  get answered(): { readonly view: number; readonly peer: number } {
    return { ...this.#answered };
  }

  async check(study: string, recipient: string): Promise<AccessDecision> {
    // No record has another spelling of an id; the peer would refuse the argument itself (not a denial).
    if (!Id32.safeParse(study).success) return { allowed: false, reason: 'STUDY_NOT_FOUND' };
    if (!Id32.safeParse(recipient).success) return { allowed: false, reason: 'NO_GRANT' };
    const local = this.#view?.decide(study, recipient, Date.now());
    let result: CheckAccessResult;
    if (local === undefined) {
      result = await this.#ledger.evaluate<CheckAccessResult>('CheckAccess', [this.#source, study, recipient, '']);
      this.#answered.peer++;
    } else {
      result = await local;
      this.#answered.view++;
    }
    if (!result.allowed) {
      return { allowed: false, reason: result.reason ?? 'NO_GRANT' };
    }
    return result.breakGlass === undefined ? { allowed: true } : { allowed: true, breakGlass: result.breakGlass.statement };
  }
}
