import { setTimeout as delay } from 'node:timers/promises';
import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { Id32, type AccessDecision } from '@isl/chaincode';
import type { BlockFeed } from './block-feed';
import { blockWrites } from './block-writes';
import { GrantMirror } from './grant-mirror';
import { readCheckpoint, writeCheckpoint, type ViewIdentity } from './grant-view-checkpoint';
import type { ImageSourceLog } from './release-gate';

export interface GrantViewOptions extends ViewIdentity {
  readonly feed: BlockFeed;
  readonly checkpointFile: string;
  /** How often the peer's height is read, to notice a block stream that stopped without an error (0: never; default 1 s). */
  readonly heartbeatMs?: number;
  /** How often the view is checkpointed when it changed (0: only on close; default 30 s: a resume replays at most that much). */
  readonly checkpointEveryMs?: number;
  /** The pause before the block stream is opened again after it failed (default 1 s). */
  readonly retryMs?: number;
  readonly log?: ImageSourceLog;
}

/** What the view reports on the image source's /healthz. */
export interface GrantViewStatus {
  readonly live: boolean;
  /** Blocks applied: 0..height-1. */
  readonly height: string;
  readonly records: number;
}

/**
 * The image source's local grant view: this source's records that CheckAccess
 * reads, kept from the full blocks its own peer delivers on its block event
 * stream, checkpointed with the height they reflect and resumed from there.
 *
 * It answers only while it is live: the stream is open, every block came in
 * order, and it has applied every block the peer is known to have (its height
 * when the stream was opened, and at each heartbeat). Otherwise `decide`
 * answers undefined and the caller asks the peer: never "allowed" from a view
 * that may be behind (docs/image-retrieval.md, "The grant decision").
 */
export class GrantView {
  readonly #options: GrantViewOptions;
  readonly #mirror: GrantMirror;
  readonly #stop = new AbortController();
  #height = 0n;
  #last: { readonly number: bigint; readonly dataHash: string } | undefined;
  /** The highest height the peer is known to have reached. */
  #peerHeight = 0n;
  /** The stream is open and nothing went wrong on it since. */
  #following = false;
  /** The peer's height at the last heartbeat, while the view was behind it: still behind at the next one means the stream stalled. */
  #owed: bigint | undefined;
  #wasLive = false;
  #dirty = false;
  #stream: CloseableAsyncIterable<common.Block> | undefined;
  #loop: Promise<void> | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(options: GrantViewOptions) {
    this.#options = options;
    this.#mirror = new GrantMirror(options.source);
  }

  get live(): boolean {
    return this.#following && this.#height >= this.#peerHeight;
  }

  get height(): bigint {
    return this.#height;
  }

  status(): GrantViewStatus {
    return { live: this.live, height: this.#height.toString(), records: this.#mirror.size };
  }

  /** Resumes from the checkpoint (or block 0) and follows the peer's blocks until closed. */
  start(): void {
    this.#resume();
    this.#loop = this.#run();
    const heartbeatMs = this.#options.heartbeatMs ?? 1_000;
    const checkpointMs = this.#options.checkpointEveryMs ?? 30_000;
    if (heartbeatMs > 0) this.#timers.push(setInterval(() => void this.probe(), heartbeatMs).unref());
    if (checkpointMs > 0)
      this.#timers.push(
        setInterval(() => {
          this.#checkpointOrWarn();
        }, checkpointMs).unref(),
      );
  }

  /** CheckAccess of this source's study for the recipient at atMs, from the view; undefined when it is not live (ask the peer). */
  decide(study: string, recipient: string, atMs: number): Promise<AccessDecision> | undefined {
    // An id the chaincode would refuse as an argument is left to it, so the answer stays CheckAccess's.
    return this.live && Id32.safeParse(study).success && Id32.safeParse(recipient).success ? this.#mirror.decide(study, recipient, atMs) : undefined;
  }

  /**
   * The heartbeat: reads the peer's height, so a stream that stops delivering
   * while the peer commits is noticed (the view stops answering until it has
   * applied that height; still behind at the next heartbeat, the stream is
   * opened again). A height that cannot be read makes the view unsure.
   */
  async probe(): Promise<void> {
    let peerHeight: bigint;
    try {
      peerHeight = await this.#options.feed.height();
    } catch (err) {
      this.#reopen(`the peer's height could not be read: ${(err as Error).message}`);
      return;
    }
    this.#learn(peerHeight);
    if (this.#owed !== undefined && this.#height < this.#owed) {
      this.#reopen(`the block stream stopped at block ${this.#height.toString()} while the peer has ${this.#owed.toString()} blocks`);
    }
    this.#owed = this.#height < peerHeight ? peerHeight : undefined;
  }

  /** Writes the checkpoint now if the view changed since the last one. */
  checkpoint(): void {
    if (!this.#dirty) return;
    const { channel, chaincode, source } = this.#options;
    writeCheckpoint(this.#options.checkpointFile, { channel, chaincode, source, height: this.#height, last: this.#last, records: this.#mirror.entries() });
    this.#dirty = false;
  }

  /** Stops following and writes the checkpoint. */
  async close(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearInterval(timer);
    this.#following = false;
    this.#stream?.close();
    await this.#loop;
    this.checkpoint();
  }

  #resume(): void {
    const found = readCheckpoint(this.#options.checkpointFile, this.#options);
    if ('unusable' in found) {
      this.#log(found.unusable === 'no checkpoint yet' ? 'info' : 'warn', 'grant view: building from block 0', { checkpoint: found.unusable });
      return;
    }
    this.#mirror.restore(found.checkpoint.records);
    this.#height = found.checkpoint.height;
    this.#last = found.checkpoint.last;
    this.#log('info', 'grant view: resuming from its checkpoint', { height: this.#height.toString(), records: this.#mirror.size });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#follow();
      } catch (err) {
        if (!this.#stopped())
          this.#log('warn', 'grant view: the block stream failed; decisions go to the peer until it is back', { error: (err as Error).message });
      }
      this.#following = false;
      this.#stream = undefined;
      await delay(this.#options.retryMs ?? 1_000, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Opens the stream at the last block applied (to check it is the peer's) or block 0, and applies what comes. */
  async #follow(): Promise<void> {
    const peerHeight = await this.#options.feed.height();
    if (peerHeight < this.#height) {
      this.#rebuild(`the peer has ${peerHeight.toString()} blocks, fewer than the ${this.#height.toString()} applied: another ledger`);
    }
    this.#learn(peerHeight);
    const stream = await this.#options.feed.blocks(this.#last?.number ?? 0n);
    this.#stream = stream;
    if (this.#stop.signal.aborted) {
      stream.close();
      return;
    }
    this.#following = true;
    for await (const block of stream) {
      this.#receive(block);
    }
  }

  #receive(block: common.Block): void {
    const { number, dataHash, writes } = blockWrites(block, this.#options.chaincode);
    if (this.#last !== undefined && number === this.#last.number) {
      if (dataHash === this.#last.dataHash) return;
      this.#rebuild(`block ${number.toString()} on the peer is not the one the view applied`);
      throw new Error('the view is rebuilt from block 0');
    }
    if (number !== this.#height) {
      throw new Error(`block ${number.toString()} came where block ${this.#height.toString()} was due`);
    }
    this.#mirror.apply(writes);
    this.#height = number + 1n;
    this.#last = { number, dataHash };
    this.#dirty = true;
    this.#learn(this.#height);
    if (this.live && !this.#wasLive) this.#log('info', 'grant view: live', { height: this.#height.toString(), records: this.#mirror.size });
    this.#wasLive = this.live;
  }

  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #learn(peerHeight: bigint): void {
    if (peerHeight > this.#peerHeight) this.#peerHeight = peerHeight;
  }

  #rebuild(reason: string): void {
    this.#log('warn', 'grant view: rebuilding from block 0', { reason });
    this.#mirror.clear();
    this.#height = 0n;
    this.#last = undefined;
    this.#peerHeight = 0n;
    this.#following = false;
    this.#dirty = true;
  }

  /** Unsure: stop answering now and open the stream again. */
  #reopen(reason: string): void {
    if (this.#stop.signal.aborted) return;
    this.#log('warn', 'grant view: unsure; decisions go to the peer', { reason });
    this.#following = false;
    this.#wasLive = false;
    this.#owed = undefined;
    this.#stream?.close();
  }

  #checkpointOrWarn(): void {
    try {
      this.checkpoint();
    } catch (err) {
      this.#log('warn', 'grant view: the checkpoint could not be written', { error: (err as Error).message });
    }
  }

  #log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.#options.log?.(level, message, fields);
  }
}
