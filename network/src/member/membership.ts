import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeGenesisBlock } from '../channel/genesis';
import type { FabricHome } from '../fabric-home';
import { run, CommandError } from '../process/run';
import { waitFor } from '../process/wait';
import { address, type Endpoint } from '../topology/topology';
import { parseBundle, type MemberBundle } from './bundle';
import { readCrlIssuedBy } from './crl';
import type { Charter } from './charter';
import {
  cloneConfig,
  consenters,
  memberIds,
  orgGroup,
  rootCert,
  setConsenters,
  setOrgGroup,
  type ChannelConfig,
  type ConfigGroup,
  type Consenter,
} from './channel-config';
import {
  organisationalUnits,
  protoDecode,
  readSignature,
  readUpdate,
  type UpdateFile,
  signUpdate,
  updateFingerprint,
  writeSignedUpdate,
  writeUpdateEnvelope,
} from './config-update';
import type { Member } from './member';
import { MemberError } from './member-error';
import type { MemberStepOptions } from './member-step';

/** Raft keeps a quorum through the loss of one node only from 3 consenters up. */
const minConsenters = 3;

/** An orderer this member can ask for blocks: where it listens and the TLS CA that issued its certificate. */
interface OrdererTarget {
  readonly endpoint: Endpoint;
  readonly tlsCaCert: string;
}

/**
 * Changes to who is in the consortium, as one member on its own host: it
 * proposes config updates (admitting a member, adding or removing a Raft
 * consenter), signs others' proposals with its own admin, submits an update
 * with the signatures it was sent, and joins the channel as a newcomer. Only
 * the update and signature files pass between members.
 */
export class Membership {
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

  get #ownOrderer(): OrdererTarget {
    const orderer = this.#member.orderer;
    return { endpoint: orderer.node.endpoint, tlsCaCert: orderer.tls.tlsCa };
  }

  #adminEnv(): Record<string, string> {
    const [peer] = this.#member.peers;
    if (!peer) {
      throw new Error(`${this.#member.org.name} has no peer`);
    }
    return peer.adminEnv();
  }

  #ordererArgs(target: OrdererTarget): string[] {
    const admin = this.#member.admin;
    return ['-o', address(target.endpoint), '--tls', '--cafile', target.tlsCaCert, '--clientauth', '--certfile', admin.tlsCert, '--keyfile', admin.tlsKey];
  }

  /** Fetches a block of the channel (`config`: the latest config block; `0`: the genesis block) as this member's admin. */
  async #fetch(which: 'config' | '0', out: string, target: OrdererTarget = this.#ownOrderer): Promise<void> {
    await run(this.#fabric.bin('peer'), ['channel', 'fetch', which, out, '-c', this.#charter.channel, ...this.#ordererArgs(target)], {
      env: this.#adminEnv(),
      timeoutMs: 60_000,
    });
  }

  async #configOf(blockFile: string): Promise<ChannelConfig> {
    const block = (await protoDecode(this.#fabric, blockFile, 'common.Block')) as { data?: { data?: { payload?: { data?: { config?: ChannelConfig } } }[] } };
    const config = block.data?.data?.[0]?.payload?.data?.config;
    if (!config) {
      throw new Error(`${blockFile} holds no channel configuration`);
    }
    return config;
  }

  /** The channel's configuration now, from the latest config block this member's orderer serves. */
  async currentConfig(target?: OrdererTarget): Promise<ChannelConfig> {
    const work = mkdtempSync(join(tmpdir(), 'isl-config-'));
    try {
      await this.#fetch('config', join(work, 'config.block'), target);
      return await this.#configOf(join(work, 'config.block'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * A member's organisation groups and consenter exactly as founding would
   * have written them: configtxgen makes a one-member channel from its bundle.
   */
  async #asFounder(bundle: MemberBundle): Promise<{ application: ConfigGroup; orderer: ConfigGroup; consenter: Consenter }> {
    const work = mkdtempSync(join(tmpdir(), 'isl-org-'));
    try {
      const block = await writeGenesisBlock(this.#fabric, {
        dir: work,
        channel: this.#charter.channel,
        members: [this.#member.channelMember(bundle)],
        orderer: this.#charter.orderer,
      });
      const config = await this.#configOf(block);
      const application = orgGroup(config, 'Application', bundle.mspId);
      const orderer = orgGroup(config, 'Orderer', bundle.mspId);
      const [consenter] = consenters(config);
      if (!application || !orderer || !consenter) {
        throw new Error(`configtxgen made no groups for ${bundle.mspId}`);
      }
      return { application, orderer, consenter };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Proposes admitting the member of `bundleFile`: its MSP and anchor peers in
   * the Application group, its organisation (and orderer endpoint) in the
   * Orderer group. Refuses, before anything is written or sent, an MSP ID the
   * channel already has. Keeps the bundle (this member will reach its peers).
   */
  async proposeJoin(bundleFile: string, out: string): Promise<void> {
    const bundle = parseBundle(readFileSync(bundleFile, 'utf8'), bundleFile);
    const config = await this.currentConfig();
    if (memberIds(config).includes(bundle.mspId)) {
      throw new MemberError(
        'MEMBER_ALREADY_IN_CHANNEL',
        `${bundle.mspId} is already a member of channel ${this.#charter.channel} (members: ${memberIds(config).join(', ')}); nothing proposed`,
      );
    }
    this.#member.importBundle(bundleFile);
    const groups = await this.#asFounder(bundle);
    const modified = cloneConfig(config);
    setOrgGroup(modified, 'Application', bundle.mspId, groups.application);
    setOrgGroup(modified, 'Orderer', bundle.mspId, groups.orderer);
    await this.#writeUpdate(config, modified, out, `admits ${bundle.mspId} (${bundle.description})`);
  }

  /** Proposes adding a member's orderer as a Raft consenter (one consenter change per update, as Fabric requires). */
  async proposeConsenterAdd(mspId: string, out: string): Promise<void> {
    const config = await this.currentConfig();
    const bundle = this.#bundleOfMember(config, mspId);
    const { consenter } = await this.#asFounder(bundle);
    const list = consenters(config);
    if (list.some((c) => c.host === consenter.host && c.port === consenter.port)) {
      throw new MemberError('UPDATE_INVALID', `${mspId}'s orderer ${consenter.host}:${String(consenter.port)} is a consenter already; nothing proposed`);
    }
    const modified = cloneConfig(config);
    setConsenters(modified, [...list, consenter]);
    await this.#writeUpdate(config, modified, out, `adds ${mspId}'s orderer ${consenter.host}:${String(consenter.port)} as a Raft consenter`);
  }

  /** Proposes removing a member's orderer from the consenters; refuses one that would leave fewer than 3. */
  async proposeConsenterRemove(mspId: string, out: string): Promise<void> {
    const config = await this.currentConfig();
    const endpoint = mspId === this.#member.org.mspId ? this.#member.org.orderer.endpoint : this.#bundleOfMember(config, mspId).orderer.endpoint;
    const list = consenters(config);
    const rest = list.filter((c) => !(c.host === endpoint.host && c.port === endpoint.port));
    if (rest.length === list.length) {
      throw new MemberError('UPDATE_INVALID', `${mspId}'s orderer ${address(endpoint)} is not a consenter; nothing proposed`);
    }
    if (rest.length < minConsenters) {
      throw new MemberError(
        'CONSENTERS_TOO_FEW',
        `removing ${mspId}'s orderer would leave ${String(rest.length)} Raft consenter(s); the channel keeps at least ${String(minConsenters)} so that it survives the loss of one. Admit and add another member's orderer first; nothing proposed`,
      );
    }
    const modified = cloneConfig(config);
    setConsenters(modified, rest);
    await this.#writeUpdate(config, modified, out, `removes ${mspId}'s orderer ${address(endpoint)} from the Raft consenters`);
  }

  /**
   * Proposes removing a member: its organisation from the Application and
   * Orderer groups. Refuses an MSP ID the channel does not have, and a member
   * whose orderer is still a consenter (that is removed first, on its own).
   */
  async proposeLeave(mspId: string, out: string): Promise<void> {
    const config = await this.currentConfig();
    const endpoint = mspId === this.#member.org.mspId ? this.#member.org.orderer.endpoint : this.#bundleOfMember(config, mspId).orderer.endpoint;
    if (consenters(config).some((c) => c.host === endpoint.host && c.port === endpoint.port)) {
      throw new MemberError(
        'MEMBER_STILL_CONSENTER',
        `${mspId}'s orderer ${address(endpoint)} is still a Raft consenter: propose-consenter-remove first (one consenter change per update); nothing proposed`,
      );
    }
    const modified = cloneConfig(config);
    setOrgGroup(modified, 'Application', mspId, undefined);
    if (orgGroup(config, 'Orderer', mspId)) {
      setOrgGroup(modified, 'Orderer', mspId, undefined);
    }
    await this.#writeUpdate(config, modified, out, `removes ${mspId} from channel ${this.#charter.channel}`);
  }

  /**
   * Proposes putting this member's CRL into its MSP in the channel (Application
   * and Orderer groups): the identities it lists are refused from then on. The
   * CRL must be signed by this member's own CA (CRL_INVALID otherwise).
   */
  async proposeRevocation(crlFile: string, out: string): Promise<void> {
    const { mspId } = this.#member.org;
    const pem = await readCrlIssuedBy(crlFile, this.#member.ca.caCert, mspId);
    const config = await this.currentConfig();
    const modified = cloneConfig(config);
    for (const section of ['Application', 'Orderer'] as const) {
      const msp = orgGroup(modified, section, mspId)?.values?.MSP?.value as { config?: { revocation_list?: string[] } } | undefined;
      if (msp?.config) {
        // The CA's CRL lists every certificate it revoked so far: it replaces the previous one.
        msp.config.revocation_list = [Buffer.from(pem, 'utf8').toString('base64')];
      } else if (section === 'Application') {
        throw new MemberError('MEMBER_NOT_IN_CHANNEL', `${mspId} is not a member of channel ${this.#charter.channel}; nothing proposed`);
      }
    }
    await this.#writeUpdate(config, modified, out, `puts ${mspId}'s CRL (${crlFile}) into its MSP`);
  }

  #bundleOfMember(config: ChannelConfig, mspId: string): MemberBundle {
    if (!memberIds(config).includes(mspId)) {
      throw new MemberError(
        'MEMBER_NOT_IN_CHANNEL',
        `${mspId} is not a member of channel ${this.#charter.channel} (members: ${memberIds(config).join(', ')}); admit it first`,
      );
    }
    const bundle = this.#member.heldBundles().get(mspId);
    if (!bundle) {
      throw new MemberError('BUNDLE_MISSING', `this home holds no bundle of ${mspId}: import it first`);
    }
    return bundle;
  }

  async #writeUpdate(original: ChannelConfig, modified: ChannelConfig, out: string, what: string): Promise<void> {
    mkdirSync(join(out, '..'), { recursive: true });
    await writeUpdateEnvelope(this.#fabric, { channel: this.#charter.channel, original, modified, out });
    this.#log(`proposed: ${what}; update ${updateFingerprint(readUpdate(out))} written to ${out}`);
  }

  /** What an update changes, in words (for the admin about to sign it). */
  async describe(updateFile: string): Promise<string[]> {
    const update = readUpdate(updateFile);
    const work = mkdtempSync(join(tmpdir(), 'isl-describe-'));
    try {
      writeFileSync(join(work, 'update.pb'), update.configUpdate);
      const decoded = (await protoDecode(this.#fabric, join(work, 'update.pb'), 'common.ConfigUpdate')) as { read_set?: ConfigGroup; write_set?: ConfigGroup };
      const out: string[] = [];
      changes(decoded.read_set, decoded.write_set ?? {}, (await this.currentConfig()).channel_group, [], out);
      return out;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Signs the update with this member's admin, after checking it is for this
   * channel; writes only the signature to `out` (it goes back to the proposer).
   */
  async sign(updateFile: string, out: string): Promise<string[]> {
    const update = readUpdate(updateFile);
    if (update.channel !== this.#charter.channel) {
      throw new MemberError('UPDATE_INVALID', `${updateFile} updates channel "${update.channel}", not "${this.#charter.channel}"; not signed`);
    }
    const what = await this.describe(updateFile);
    this.#log(`update ${updateFingerprint(update)}: ${what.join('; ')}`);
    const signature = await signUpdate(this.#fabric, updateFile, this.#adminEnv());
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, signature);
    return what;
  }

  /**
   * Submits the update with the signatures sent back, plus this member's own
   * (the peer CLI adds the submitter's). Each signature must verify over this
   * update and come from an admin of a channel member, else it is refused
   * before anything is sent; whether they are enough is the channel's policy,
   * which the orderer applies: its refusal is passed on as UPDATE_REFUSED.
   * Waits until this member's orderer serves the new configuration.
   */
  async submit(updateFile: string, signatureFiles: readonly string[]): Promise<void> {
    const update = readUpdate(updateFile);
    if (update.channel !== this.#charter.channel) {
      throw new MemberError('UPDATE_INVALID', `${updateFile} updates channel "${update.channel}", not "${this.#charter.channel}"`);
    }
    const config = await this.currentConfig();
    const signatures = signatureFiles.map((file) => {
      const { signature, signer } = readSignature(file, update);
      const root = rootCert(config, signer.mspId);
      if (root === undefined || !signer.certificate.checkIssued(new X509Certificate(root))) {
        throw new MemberError(
          'SIGNATURE_INVALID',
          `${file}: signed as ${signer.mspId}, but ${root === undefined ? `${signer.mspId} is not a member of the channel` : `its certificate was not issued by ${signer.mspId}'s CA in the channel`}; nothing submitted`,
        );
      }
      const ous = organisationalUnits(signer.certificate);
      if (!ous.includes('admin')) {
        throw new MemberError(
          'SIGNATURE_NOT_ADMIN',
          `${file}: signed by ${signer.mspId} identity "${signer.certificate.subject.split('\n').find((l) => l.startsWith('CN=')) ?? '?'}" with role ${ous.join(',') || 'none'}, not an admin: only admins sign channel updates; nothing submitted`,
        );
      }
      return signature;
    });
    const work = mkdtempSync(join(tmpdir(), 'isl-submit-'));
    const before = Number(config.sequence ?? '0');
    try {
      const signed = join(work, 'signed.pb');
      writeSignedUpdate(update, signatures, signed);
      // An orderer may accept an update and still never order it: a Raft leader that the update removes
      // first hands leadership over, and gives up (5 tries) when no follower is up to date. Sent again,
      // the same signed update is applied once: when it already was, the orderer refuses it as stale.
      const applied = async (): Promise<boolean> => Number((await this.currentConfig()).sequence ?? '0') > before;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#send(update, signed);
        } catch (err) {
          if (attempt > 1 && (await applied())) return;
          throw err;
        }
        try {
          await waitFor(`the channel configuration to pass sequence ${String(before)} on ${this.#member.org.orderer.name}`, applied, { timeoutMs: 30_000 });
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  async #send(update: UpdateFile, signed: string): Promise<void> {
    try {
      await run(this.#fabric.bin('peer'), ['channel', 'update', '-f', signed, '-c', this.#charter.channel, ...this.#ordererArgs(this.#ownOrderer)], {
        env: this.#adminEnv(),
        timeoutMs: 60_000,
      });
    } catch (err) {
      const text = err instanceof CommandError ? err.stderr : String(err);
      const reason = /got unexpected status: [\s\S]*/.exec(text)?.[0].trim() ?? text.trim();
      throw new MemberError('UPDATE_REFUSED', `the orderer refused update ${updateFingerprint(update)}: ${reason}`);
    }
  }

  /**
   * A newcomer admitted by the members joins: it fetches the latest config
   * block and the genesis block from another member's orderer, checks that the
   * channel holds its own MSP exactly as it exported it and its orderer as a
   * consenter, then joins its orderer from the latest config block and its
   * peers from the genesis block.
   */
  async joinAdmitted(): Promise<void> {
    const own = this.#member.bundle();
    const work = join(this.#member.home.root, 'channel', 'join');
    mkdirSync(work, { recursive: true });
    const configBlock = join(work, 'config.block');
    const genesisBlock = join(work, 'genesis.block');
    const sources = [...this.#member.heldBundles().values()].map((b) => {
      this.#member.channelMember(b);
      return { endpoint: b.orderer.endpoint, tlsCaCert: this.#member.home.memberMaterial(b.mspId).tlsCaCert, mspId: b.mspId };
    });
    const errors: string[] = [];
    let fetched: (typeof sources)[number] | undefined;
    for (const source of sources) {
      try {
        await this.#fetch('config', configBlock, source);
        await this.#fetch('0', genesisBlock, source);
        fetched = source;
        break;
      } catch (err) {
        errors.push(`${source.mspId} (${address(source.endpoint)}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!fetched) {
      throw new MemberError(
        'MEMBER_NOT_IN_CHANNEL',
        `no member's orderer served channel ${this.#charter.channel} to ${own.mspId}: ${errors.join('; ') || 'this home holds no bundle'}. Has the admitting update been submitted?`,
      );
    }
    const config = await this.#configOf(configBlock);
    if (rootCert(config, own.mspId) !== own.msp.caCert) {
      throw new MemberError(
        'MEMBER_NOT_IN_CHANNEL',
        `channel ${this.#charter.channel} ${rootCert(config, own.mspId) === undefined ? `does not hold ${own.mspId}` : `holds ${own.mspId} with another root CA than this member's`}; not joining`,
      );
    }
    const endpoint = own.orderer.endpoint;
    if (!consenters(config).some((c) => c.host === endpoint.host && c.port === endpoint.port)) {
      throw new MemberError(
        'MEMBER_NOT_IN_CHANNEL',
        `${own.mspId}'s orderer ${address(endpoint)} is not yet a consenter of ${this.#charter.channel}; wait for the consenter update`,
      );
    }
    this.#log(
      `${fetched.mspId}'s orderer serves the channel with ${own.mspId} admitted; joining ${this.#member.org.orderer.name} from the latest config block`,
    );
    const orderer = this.#member.orderer;
    await orderer.join(configBlock, this.#charter.channel);
    for (const peer of this.#member.peers) {
      this.#log(`joining ${peer.node.name} from the genesis block`);
      await peer.joinChannel(genesisBlock, this.#charter.channel);
    }
    writeFileSync(this.#member.home.charter, stringify(this.#charter));
  }
}

/**
 * Walks a config update's write set against its read set and the channel's
 * current configuration: what it adds, removes and sets. A removed group is in
 * neither set, only in the configuration.
 */
function changes(read: ConfigGroup | undefined, write: ConfigGroup, current: ConfigGroup | undefined, path: readonly string[], out: string[]): void {
  const where = path.length > 0 ? path.join(' › ') : 'Channel';
  for (const [name, w] of Object.entries(write.groups ?? {})) {
    const r = read?.groups?.[name];
    if (!r) {
      out.push(`adds ${[...path, name].join(' › ')}`);
    } else {
      changes(r, w, current?.groups?.[name], [...path, name], out);
    }
  }
  if (read && write.version !== read.version) {
    for (const name of Object.keys(current?.groups ?? {}).filter((n) => !(n in (write.groups ?? {})))) {
      out.push(`removes ${[...path, name].join(' › ')}`);
    }
  }
  for (const [name, w] of Object.entries(write.values ?? {})) {
    if (read?.values?.[name]?.version !== w.version) {
      out.push(`sets ${where}: value ${name}`);
    }
  }
}
