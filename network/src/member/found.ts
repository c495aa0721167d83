import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { dirname, join } from 'node:path';
import { writeGenesisBlock } from '../channel/genesis';
import type { ChannelMember } from '../config/configtx';
import type { FabricHome } from '../fabric-home';
import { run } from '../process/run';
import { waitFor } from '../process/wait';
import type { Charter } from './charter';
import { configDifferences } from './config-diff';
import type { Member } from './member';
import { MemberError } from './member-error';
import type { MemberStepOptions } from './member-step';

/** Founding the consortium's channel, as one member on its own host. */
export class Founding {
  readonly #member: Member;
  readonly #fabric: FabricHome;
  readonly #charter: Charter;
  readonly #log: (message: string) => void;

  constructor(options: MemberStepOptions) {
    this.#member = options.member;
    this.#fabric = options.fabric;
    this.#charter = options.charter;
    this.#log = options.log ?? (() => undefined);
  }

  /** The founders in the charter's order: this member from its own files, the others from the bundles it holds. */
  #founders(): ChannelMember[] {
    const held = this.#member.heldBundles();
    const own = this.#member.bundle();
    const missing = this.#charter.founders.filter((id) => id !== own.mspId && !held.has(id));
    if (missing.length > 0) {
      throw new MemberError('FOUNDER_BUNDLE_MISSING', `no bundle held for founder(s) ${missing.join(', ')}: import each founder's bundle first`);
    }
    return this.#charter.founders.map((id) => {
      const bundle = id === own.mspId ? own : held.get(id);
      if (!bundle) {
        throw new Error(`no bundle for ${id}`);
      }
      return this.#member.channelMember(bundle);
    });
  }

  async #makeBlock(dir: string): Promise<string> {
    rmSync(dir, { recursive: true, force: true });
    return writeGenesisBlock(this.#fabric, { dir, channel: this.#charter.channel, members: this.#founders(), orderer: this.#charter.orderer });
  }

  /** Makes the channel's genesis block from the charter and the founders' bundles; writes it to `out`. */
  async propose(out: string): Promise<void> {
    const block = await this.#makeBlock(join(this.#member.home.root, 'channel', 'proposed'));
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(block, out);
  }

  /**
   * Refuses a genesis block whose channel or configuration differs from what
   * this member makes itself from the charter and the bundles it holds (its own
   * MSP as exported, the others' as imported, the project's policies), naming
   * every difference.
   */
  async verify(blockFile: string): Promise<void> {
    if (statSync(blockFile).size > 4 * 1024 * 1024) {
      throw new MemberError('GENESIS_UNREADABLE', `${blockFile}: larger than 4 MiB; a genesis block of a few members is a few tens of KiB`);
    }
    const expectedFile = await this.#makeBlock(join(this.#member.home.root, 'channel', 'expected'));
    const [expected, actual] = await Promise.all([this.#decode(expectedFile), this.#decode(blockFile)]);
    const differences: string[] = [];
    if (actual.number !== '0') {
      differences.push(`block number ${actual.number}, not 0: not a genesis block`);
    }
    if (actual.channel !== expected.channel) {
      differences.push(`channel "${actual.channel}", the charter says "${expected.channel}"`);
    }
    differences.push(...configDifferences(expected.config, actual.config));
    if (differences.length > 0) {
      throw new MemberError(
        'GENESIS_MISMATCH',
        `${blockFile} does not match the charter and the founders' bundles held in ${this.#member.home.root}; not joining. Differences: ${differences.join('; ')}`,
      );
    }
  }

  async #decode(blockFile: string): Promise<{ number: string; channel: string; config: unknown }> {
    let json: unknown;
    try {
      // To a file: configtxlator opens /dev/stdout by name, which a pipe inside a network namespace does not always offer.
      const out = `${blockFile}.${String(process.pid)}.json`;
      try {
        await run(this.#fabric.bin('configtxlator'), ['proto_decode', '--input', blockFile, '--type', 'common.Block', '--output', out], { timeoutMs: 30_000 });
        json = JSON.parse(readFileSync(out, 'utf8'));
      } finally {
        rmSync(out, { force: true });
      }
    } catch (err) {
      throw new MemberError('GENESIS_UNREADABLE', `${blockFile} is not a Fabric block: ${err instanceof Error ? err.message : String(err)}`);
    }
    const block = json as {
      header?: { number?: string };
      data?: { data?: { payload?: { header?: { channel_header?: { channel_id?: string } }; data?: { config?: unknown } } }[] };
    };
    const payload = block.data?.data?.[0]?.payload;
    if (payload?.data?.config === undefined) {
      throw new MemberError('GENESIS_UNREADABLE', `${blockFile} holds no channel configuration: not a genesis block`);
    }
    return { number: block.header?.number ?? '0', channel: payload.header?.channel_header?.channel_id ?? '', config: payload.data.config };
  }

  /**
   * Verifies the block, then joins this member's orderer (osnadmin, as its own
   * admin) and its peers to the channel.
   */
  async join(blockFile: string): Promise<void> {
    await this.verify(blockFile);
    const { channel } = this.#charter;
    const orderer = this.#member.orderer;
    this.#log(`the genesis block matches the charter and the bundles; joining ${orderer.node.name} to ${channel}`);
    await orderer.join(blockFile, channel);
    await waitFor(`${orderer.node.name} to have channel ${channel}`, async () => (await orderer.channelInfo(channel)).name === channel, {
      timeoutMs: 30_000,
      hint: `see ${this.#member.supervisor.logOf(orderer.node.name)}`,
    });
    for (const peer of this.#member.peers) {
      this.#log(`joining ${peer.node.name} to ${channel}`);
      await peer.joinChannel(blockFile, channel);
    }
    // Later commands (chaincode, updates, start) act under the charter this member joined by.
    writeFileSync(this.#member.home.charter, stringify(this.#charter));
  }
}
