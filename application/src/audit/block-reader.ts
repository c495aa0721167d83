import { X509Certificate } from 'node:crypto';
import type { Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';

/** An identity named in a block: its MSP and, when it is an X.509 certificate, the subject's CN. */
export interface BlockIdentity {
  readonly mspId: string;
  readonly name: string | undefined;
}

/** One transaction of a block, as the audit needs it. */
export interface BlockTransaction {
  readonly txId: string;
  /** common.HeaderType name: ENDORSER_TRANSACTION, CONFIG, … */
  readonly type: string;
  /** Chaincode namespace the proposal invoked (e.g. isl, _lifecycle), for endorser transactions. */
  readonly chaincode: string | undefined;
  /** The invoked function (first argument). */
  readonly fn: string | undefined;
  readonly creator: BlockIdentity;
  /** The channel header's timestamp (ms since the epoch): the transaction timestamp the chaincode saw. */
  readonly timestampMs: number;
  /** One entry per endorsement (a peer), in envelope order. */
  readonly endorsers: readonly BlockIdentity[];
  /** The validation code every committing peer recorded: VALID, ENDORSEMENT_POLICY_FAILURE, MVCC_READ_CONFLICT, … */
  readonly validation: string;
  readonly validationCode: number;
}

export interface DecodedBlock {
  readonly number: number;
  /** The orderer that signed the block: under Raft, the leader that cut it. */
  readonly signer: BlockIdentity | undefined;
  readonly transactions: readonly BlockTransaction[];
}

const VALIDATION_NAMES = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));
const HEADER_TYPE_NAMES = new Map<number, string>(Object.entries(common.HeaderType).map(([name, code]) => [code, name]));

function validationName(code: number): string {
  return VALIDATION_NAMES.get(code) ?? `CODE_${String(code)}`;
}

function identity(serialized: Uint8Array): BlockIdentity {
  const id = msp.SerializedIdentity.deserializeBinary(serialized);
  let name: string | undefined;
  try {
    const cert = new X509Certificate(Buffer.from(id.getIdBytes_asU8()));
    name = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  } catch {
    name = undefined;
  }
  return { mspId: id.getMspid(), name };
}

/** Decodes a common.Block's bytes (as qscc GetBlockByNumber returns them). */
export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  const block = common.Block.deserializeBinary(bytes);
  const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
  const filter = metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const signatures = metadata[common.BlockMetadataIndex.SIGNATURES];
  let signer: BlockIdentity | undefined;
  if (signatures !== undefined && signatures.length > 0) {
    const [first] = common.Metadata.deserializeBinary(signatures).getSignaturesList();
    const header = first?.getSignatureHeader_asU8();
    if (header !== undefined && header.length > 0) {
      signer = identity(common.SignatureHeader.deserializeBinary(header).getCreator_asU8());
    }
  }
  const transactions = (block.getData()?.getDataList_asU8() ?? []).map((envelopeBytes, index) => {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
    const header = payload.getHeader();
    const channelHeader = common.ChannelHeader.deserializeBinary(header?.getChannelHeader_asU8() ?? new Uint8Array());
    const creator = identity(common.SignatureHeader.deserializeBinary(header?.getSignatureHeader_asU8() ?? new Uint8Array()).getCreator_asU8());
    const type = HEADER_TYPE_NAMES.get(channelHeader.getType()) ?? String(channelHeader.getType());
    let chaincode: string | undefined;
    let fn: string | undefined;
    const endorsers: BlockIdentity[] = [];
    if (channelHeader.getType() === common.HeaderType.ENDORSER_TRANSACTION) {
      chaincode = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8()).getChaincodeId()?.getName();
      for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
        const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
        const input = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8()).getInput_asU8();
        const [first] = peer.ChaincodeInvocationSpec.deserializeBinary(input).getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [];
        fn ??= first === undefined ? undefined : Buffer.from(first).toString('utf8');
        for (const endorsement of actionPayload.getAction()?.getEndorsementsList() ?? []) {
          endorsers.push(identity(endorsement.getEndorser_asU8()));
        }
      }
    }
    const validationCode = filter[index] ?? peer.TxValidationCode.NOT_VALIDATED;
    // google.protobuf.Timestamp (its typings are not installed: the two getters are all this needs).
    const time = channelHeader.getTimestamp() as { getSeconds(): number; getNanos(): number } | undefined;
    const timestampMs = time === undefined ? 0 : time.getSeconds() * 1000 + Math.floor(time.getNanos() / 1e6);
    return { txId: channelHeader.getTxId(), type, chaincode, fn, creator, timestampMs, endorsers, validation: validationName(validationCode), validationCode };
  });
  return { number: block.getHeader()?.getNumber() ?? 0, signer, transactions };
}

/** Reads blocks through the query system chaincode (qscc) of the connected organisation's peer. */
export class BlockReader {
  readonly #network: Network;

  constructor(network: Network) {
    this.#network = network;
  }

  /** The channel's height: the number of the next block. */
  async height(): Promise<number> {
    const bytes = await this.#network.getContract('qscc').evaluateTransaction('GetChainInfo', this.#network.getName());
    return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
  }

  async block(number: number): Promise<DecodedBlock> {
    return decodeBlock(await this.#network.getContract('qscc').evaluateTransaction('GetBlockByNumber', this.#network.getName(), String(number)));
  }

  /** Blocks from..to-1 in order (to defaults to the height at the call). */
  async *blocks(from: number, to?: number): AsyncGenerator<DecodedBlock> {
    const end = to ?? (await this.height());
    for (let n = from; n < end; n++) {
      yield await this.block(n);
    }
  }
}
