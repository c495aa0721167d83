import { KeyEndorsementPolicy } from 'fabric-shim';
import type { ChaincodeStub } from 'fabric-shim-api';
import { marshal } from './marshal';
import { CHAINCODE_POLICY_KINDS, type RecordKey } from './keys';

interface Write {
  readonly key: RecordKey;
  readonly value: unknown;
  /** MSP whose peer must endorse later changes to this key (state-based endorsement). */
  readonly endorser?: string;
}

/** The payload of the transaction's single chaincode event; ids only, never PHI. */
export interface LedgerEvent {
  readonly type: string;
  readonly key: string;
  readonly source?: string;
  readonly study?: string;
  readonly recipient?: string;
  /** BreakGlass: the MSP of the hospital that vouched for it. */
  readonly hospital?: string;
}

/** A transaction's resulting record and the changes that store it. */
export interface Outcome<T> {
  readonly record: T;
  readonly changes: Changes;
}

/**
 * The writes and the event a transaction will make. Domain rules only collect
 * them; they are applied after every check passed, so a rejection writes nothing.
 */
export class Changes {
  readonly #writes: Write[] = [];
  #event: LedgerEvent | undefined;

  /** endorser: required exactly for the kinds that carry a key-level policy (see CHAINCODE_POLICY_KINDS). */
  put(key: RecordKey, value: unknown, endorser?: string): this {
    if ((endorser === undefined) !== CHAINCODE_POLICY_KINDS.has(key.kind)) {
      // Bug, not input: a key-level policy on a used/epoch key would lift the chaincode policy.
      throw new Error(`${key.kind} records ${endorser === undefined ? 'need' : 'must not have'} a key-level endorsement policy`);
    }
    this.#writes.push(endorser === undefined ? { key, value } : { key, value, endorser });
    return this;
  }

  emit(event: LedgerEvent): this {
    if (this.#event !== undefined) {
      // Fabric keeps only the last event set in a transaction.
      throw new Error('a transaction emits one event');
    }
    this.#event = event;
    return this;
  }

  get event(): LedgerEvent | undefined {
    return this.#event;
  }

  /**
   * Refuses (as a bug) a transaction that writes only keys with a key-level policy: Fabric
   * would validate it against those policies alone, so the owner organisation could endorse
   * it without the stake-weighted majority the chaincode policy demands.
   */
  async apply(stub: ChaincodeStub): Promise<void> {
    if (!this.#writes.some((write) => CHAINCODE_POLICY_KINDS.has(write.key.kind))) {
      throw new Error(
        `a write transaction must write a key governed by the chaincode endorsement policy (${[...CHAINCODE_POLICY_KINDS].join(', ')}); it writes ${this.#writes.map((w) => w.key.kind).join(', ') || 'nothing'}`,
      );
    }
    for (const write of this.#writes) {
      const stateKey = write.key.stateKey(stub);
      await stub.putState(stateKey, marshal(write.value));
      if (write.endorser !== undefined) {
        await stub.setStateValidationParameter(stateKey, endorsementPolicy(write.endorser));
      }
    }
    if (this.#event !== undefined) {
      stub.setEvent(this.#event.type, marshal(this.#event));
    }
  }
}

/** Only the given organisation's peers can endorse changes to the key. */
export function endorsementPolicy(mspId: string): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', mspId);
  return policy.getPolicy();
}
