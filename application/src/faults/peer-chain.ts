import type { Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';

/** What identifies a block's place in the chain: two peers with equal headers at every height hold the same chain. */
export interface BlockHeader {
  readonly number: number;
  readonly previousHash: string;
  readonly dataHash: string;
}

/**
 * One peer's copy of the channel's chain as the harness reads it: every
 * block's header and every transaction's validation code. Read incrementally
 * (a later scenario reads only the blocks added since), through a connection
 * to that peer alone.
 */
export class PeerChain {
  readonly name: string;
  readonly #network: Network;
  readonly #headers: BlockHeader[] = [];
  readonly #validation = new Map<string, string>();

  constructor(name: string, network: Network) {
    this.name = name;
    this.#network = network;
  }

  /** The peer's height now (qscc GetChainInfo). */
  async height(): Promise<number> {
    const bytes = await this.#network.getContract('qscc').evaluateTransaction('GetChainInfo', this.#network.getName());
    return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
  }

  get headers(): readonly BlockHeader[] {
    return this.#headers;
  }

  /** The validation code the peer recorded for a transaction (VALID, MVCC_READ_CONFLICT…), undefined if not in its chain. */
  validation(txId: string): string | undefined {
    return this.#validation.get(txId);
  }

  /** Reads the blocks the peer added since the last read, up to `height` (exclusive). */
  async readTo(height: number): Promise<void> {
    if (this.#headers.length >= height) return;
    const events = await this.#network.getBlockEvents({ startBlock: BigInt(this.#headers.length) });
    try {
      for await (const block of events) {
        this.#add(block);
        if (this.#headers.length >= height) break;
      }
    } finally {
      events.close();
    }
  }

  #add(block: common.Block): void {
    const header = block.getHeader();
    const number = header?.getNumber() ?? -1;
    if (number !== this.#headers.length) {
      throw new Error(`${this.name} delivered block ${String(number)} where block ${String(this.#headers.length)} was due`);
    }
    this.#headers.push({
      number,
      previousHash: Buffer.from(header?.getPreviousHash_asU8() ?? []).toString('hex'),
      dataHash: Buffer.from(header?.getDataHash_asU8() ?? []).toString('hex'),
    });
    const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
    (block.getData()?.getDataList_asU8() ?? []).forEach((envelope, i) => {
      const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
      const txId = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array()).getTxId();
      // A transaction id seen again later is a duplicate (DUPLICATE_TXID): the first one is the transaction.
      if (!this.#validation.has(txId)) this.#validation.set(txId, validationName(filter[i] ?? -1));
    });
  }
}

const names = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));

function validationName(code: number): string {
  return names.get(code) ?? `CODE_${String(code)}`;
}

/** The first height at which two chains differ, or undefined when their common prefix is identical. */
export function firstDifference(a: readonly BlockHeader[], b: readonly BlockHeader[]): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x?.previousHash !== y?.previousHash || x?.dataHash !== y?.dataHash) return i;
  }
  return undefined;
}
