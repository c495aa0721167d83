import { common, ledger, peer } from '@hyperledger/fabric-protos';

/** One state write of a valid transaction: the Fabric state key and the value written (undefined: deleted). */
export interface StateWrite {
  readonly key: string;
  readonly value: string | undefined;
}

/** What a committed block changed in one chaincode's world state, in commit order. */
export interface BlockWrites {
  readonly number: bigint;
  /** The header's data hash (base64): identifies the block when a checkpoint is resumed. */
  readonly dataHash: string;
  readonly writes: readonly StateWrite[];
}

const decoder = new TextDecoder();

/**
 * The writes a block commits to `chaincode`'s namespace: those of its valid
 * endorser transactions only (the peer's validation flags, in the block's
 * metadata), in block order, as the peer applies them to its world state.
 */
export function blockWrites(block: common.Block, chaincode: string): BlockWrites {
  const header = block.getHeader();
  if (header === undefined) throw new Error('a block without a header');
  const flags = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const writes: StateWrite[] = [];
  (block.getData()?.getDataList_asU8() ?? []).forEach((envelope, index) => {
    if (flags[index] !== peer.TxValidationCode.VALID) return;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
    for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
      writes.push(...actionWrites(action, chaincode));
    }
  });
  return { number: BigInt(header.getNumber()), dataHash: header.getDataHash_asB64(), writes };
}

function actionWrites(action: peer.TransactionAction, chaincode: string): StateWrite[] {
  const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
  const response = peer.ProposalResponsePayload.deserializeBinary(endorsed?.getProposalResponsePayload_asU8() ?? new Uint8Array());
  const results = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8()).getResults_asU8();
  const writes: StateWrite[] = [];
  for (const namespace of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
    if (namespace.getNamespace() !== chaincode) continue;
    for (const write of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(namespace.getRwset_asU8()).getWritesList()) {
      writes.push({ key: write.getKey(), value: write.getIsDelete() ? undefined : decoder.decode(write.getValue_asU8()) });
    }
  }
  return writes;
}
