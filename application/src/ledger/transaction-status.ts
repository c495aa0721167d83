import type { Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';

/** What the peer's ledger says of a transaction it committed (valid or invalidated). */
export interface TransactionOutcome {
  readonly valid: boolean;
  /** Fabric's validation code, e.g. VALID, MVCC_READ_CONFLICT, ENDORSEMENT_POLICY_FAILURE. */
  readonly code: string;
  readonly blockNumber: bigint;
}

/** Looks a transaction up by its ID: undefined when the peer has no such transaction (yet) or cannot say. */
export type TransactionLookup = (transactionId: string) => Promise<TransactionOutcome | undefined>;

const codeName = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));

/** Reads a transaction's validation code from the gateway's peer (qscc GetTransactionByID). */
export function peerTransactionLookup(network: Network): TransactionLookup {
  return async (transactionId) => {
    try {
      const bytes = await network.getContract('qscc').evaluateTransaction('GetTransactionByID', network.getName(), transactionId);
      const code = peer.ProcessedTransaction.deserializeBinary(bytes).getValidationcode();
      const block = await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', network.getName(), transactionId);
      const blockNumber = common.Block.deserializeBinary(block).getHeader()?.getNumber();
      return { valid: code === peer.TxValidationCode.VALID, code: codeName.get(code) ?? String(code), blockNumber: BigInt(blockNumber ?? -1) };
    } catch {
      // Not committed (yet), or the peer does not answer: either way the outcome is not known here.
      return undefined;
    }
  };
}
