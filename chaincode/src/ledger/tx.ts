import type { Context } from 'fabric-contract-api';
import { LedgerError } from '../errors';
import { audienceFor, type StatementType } from '../statement/claims';
import { verifyStatement, type Statement } from '../statement/verify';
import type { Changes } from './changes';
import { Keys } from './keys';
import { LedgerState } from './state';

export const DEFAULT_CHAINCODE_NAME = 'isl';

/** Record of a statement that took effect; its key is the digest of the canonical claims. */
export interface UsedStatementRecord {
  readonly kind: 'used';
  readonly type: StatementType;
  readonly at: string;
  /** The transaction the statement took effect in (absent in records written before it was kept). */
  readonly txId?: string;
}

/** What one transaction knows about itself: time, relaying organisation, audience, state. */
export class Tx {
  readonly state: LedgerState;
  /** Transaction timestamp in milliseconds: the only clock the chaincode uses. */
  readonly nowMs: number;
  readonly now: string;
  /** MSP of the submitting (relaying) client. */
  readonly mspId: string;
  /** This transaction's ID: recorded with each used statement so a replay can name the original. */
  readonly txId: string;
  readonly audience: string;

  constructor(ctx: Context) {
    const timestamp = ctx.stub.getTxTimestamp();
    this.state = new LedgerState(ctx.stub);
    this.nowMs = Number(timestamp.seconds.toString()) * 1000 + Math.floor(timestamp.nanos / 1e6);
    this.now = new Date(this.nowMs).toISOString();
    this.mspId = ctx.clientIdentity.getMSPID();
    this.txId = ctx.stub.getTxID();
    this.audience = audienceFor(ctx.stub.getChannelID(), process.env.ISL_CHAINCODE_NAME ?? DEFAULT_CHAINCODE_NAME);
  }

  verify<T extends StatementType>(jws: unknown, type: T, maxLength?: number): Promise<Statement<T>> {
    return verifyStatement(
      jws,
      type,
      maxLength === undefined ? { audience: this.audience, nowMs: this.nowMs } : { audience: this.audience, nowMs: this.nowMs, maxLength },
    );
  }

  /** Rejects a statement that already took effect and records it as used by this transaction. */
  async consume(statement: Statement<StatementType>, changes: Changes): Promise<void> {
    const key = Keys.used(statement.digest);
    const used = await this.state.get<UsedStatementRecord>(key);
    if (used !== undefined) {
      // The original transaction ID lets a relay answer a retried submit idempotently.
      throw new LedgerError(
        'STATEMENT_REPLAYED',
        `${statement.type} statement ${statement.digest} already took effect in transaction ${used.txId ?? 'unknown'}`,
      );
    }
    const record: UsedStatementRecord = { kind: 'used', type: statement.type, at: this.now, txId: this.txId };
    changes.put(key, record);
  }
}
