import { createHash } from 'node:crypto';
import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { common, ledger, peer } from '@hyperledger/fabric-protos';

/** One transaction of a synthetic block (tests, and the grant view's micro-benchmark): its writes to a namespace, and whether the peer marked it valid. */
export interface SyntheticTransaction {
  readonly writes: readonly { readonly key: string; readonly value?: unknown }[];
  readonly valid?: boolean;
  readonly namespace?: string;
}

/** A Fabric state key of a record, as the chaincode's composite keys are built. */
export function stateKey(kind: string, ...attributes: string[]): string {
  return `\u0000${kind}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`;
}

function envelope(tx: SyntheticTransaction, chaincode: string): Uint8Array {
  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setWritesList(
    tx.writes.map((w) => {
      const write = new ledger.rwset.kvrwset.KVWrite();
      write.setKey(w.key);
      if (w.value === undefined) write.setIsDelete(true);
      else write.setValue(Buffer.from(JSON.stringify(w.value)));
      return write;
    }),
  );
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(tx.namespace ?? chaincode);
  ns.setRwset(kv.serializeBinary());
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setNsRwsetList([ns]);
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  const response = new peer.ProposalResponsePayload();
  response.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(response.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([txAction]);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

/** A synthetic committed block of endorser transactions (valid unless said otherwise); `salt` changes its data hash (another ledger's block). */
export function syntheticBlock(number: number, transactions: readonly SyntheticTransaction[], chaincode = 'isl', salt = ''): common.Block {
  const envelopes = transactions.map((tx) => envelope(tx, chaincode));
  const data = new common.BlockData();
  data.setDataList(envelopes);
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setDataHash(createHash('sha256').update(salt).update(Buffer.concat(envelopes)).digest());
  const metadata = new common.BlockMetadata();
  const flags = Uint8Array.from(transactions.map((tx) => (tx.valid === false ? peer.TxValidationCode.MVCC_READ_CONFLICT : peer.TxValidationCode.VALID)));
  metadata.setMetadataList([new Uint8Array(), new Uint8Array(), flags, new Uint8Array(), new Uint8Array()]);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/**
 * A block event stream its caller drives (a test, the micro-benchmark): blocks are pushed as "committed",
 * `fail` ends it with an error (a broken connection), `close` ends it.
 */
export class SyntheticBlockStream implements CloseableAsyncIterable<common.Block> {
  readonly #queue: common.Block[] = [];
  #wake: (() => void) | undefined;
  #error: Error | undefined;
  #closed = false;

  push(...blocks: common.Block[]): void {
    this.#queue.push(...blocks);
    this.#wake?.();
  }

  fail(error: Error): void {
    this.#error = error;
    this.#wake?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<common.Block> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
