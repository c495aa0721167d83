#!/usr/bin/env node
import { copyFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MemberCompose } from '../compose/member-compose';
import { FabricHome } from '../fabric-home';
import { loadCharter, type Charter } from './charter';
import { MemberChaincode } from './member-chaincode';
import { Membership } from './membership';
import { Founding } from './found';
import { Member } from './member';
import { memberConfigFormat } from './member-config';
import { MemberEpoch } from './member-epoch';
import { MemberError } from './member-error';
import { MemberHome } from './member-home';

const usage = `usage: member <command> --home <folder> [options]   (run each on the member's own host)
  init --name <org> --msp-id <MSP> --address <IPv4> [--description <text>] [--peers <n>] [--base-port <port>]
        starts the member's Fabric CA, enrols its identities (TLS certificates name --address), writes bundle.json
  bundle-import <bundle.json>...   keeps other members' public bundles (refuses any private key)
  start                            starts the CA, orderer and peers, trusting the bundles held now
  stop                             stops them
  compose                          writes <home>/docker-compose.yaml: the same nodes on Fabric's official images
  found-propose --charter <file> --out <genesis.block>   makes the channel's genesis block from the founders' bundles
  found-join --charter <file> --block <genesis.block>     verifies the block against the bundles held, joins orderer and peers
  chaincode-approve                installs the charter's chaincode on its peers, starts their servers, approves as its admin
  chaincode-commit                 commits the definition once a majority approved (refused before)
  propose-join --bundle <newcomer.bundle.json> --out <update.pb>   proposes admitting a member (MSP, anchor peers)
  propose-consenter-add --msp-id <MSP> --out <update.pb>           proposes its orderer as a Raft consenter
  propose-consenter-remove --msp-id <MSP> --out <update.pb>        proposes removing its orderer (keeps at least 3)
  update-sign --update <update.pb> --out <signature>               signs an update as this member's admin (only the signature goes back)
  update-submit --update <update.pb> [--signature <file>]...       submits it with the signatures (and this admin's own)
  join --charter <file>            (the newcomer, once admitted) joins its orderer and peers to the channel
  propose-leave --msp-id <MSP> --out <update.pb>                   proposes removing a member (its orderer must no longer be a consenter)
  stakes --out <stakes.json>       every channel member's stake read through this member's peer (isl stake compile compiles it)
  epoch-approve --epoch <epoch.json> [--accept-flags]   shows the epoch's stake report and approves it (next sequence, its policy)
        as this member's admin; refuses (does not approve) an epoch the report flags unless --accept-flags
  epoch-commit --epoch <epoch.json>    commits it once a majority approved, then records the epoch (RecordEpoch)
  identity-revoke --id <identity> --out <crl.pem>   revokes one of this member's identities at its CA; writes the CA's new CRL
  crl --out <crl.pem>              writes this member's CA's current CRL
  propose-crl --crl <crl.pem> --out <update.pb>     proposes putting this member's CRL into its MSP in the channel`;

const options = {
  home: { type: 'string' },
  name: { type: 'string' },
  'msp-id': { type: 'string' },
  address: { type: 'string' },
  description: { type: 'string' },
  peers: { type: 'string' },
  'base-port': { type: 'string' },
  charter: { type: 'string' },
  out: { type: 'string' },
  block: { type: 'string' },
  bundle: { type: 'string' },
  update: { type: 'string' },
  signature: { type: 'string', multiple: true },
  epoch: { type: 'string' },
  'accept-flags': { type: 'boolean' },
  id: { type: 'string' },
  crl: { type: 'string' },
} as const;

/** What every command works with: its flags, the member's home, and the parts built from them on demand. */
interface Invocation {
  readonly command: string | undefined;
  readonly values: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>>['values'];
  readonly positionals: readonly string[];
  readonly home: MemberHome;
  readonly required: (name: Exclude<keyof typeof options, 'signature' | 'accept-flags'>) => string;
  readonly log: (m: string) => void;
  readonly homeCharter: () => Charter;
  readonly member: () => Member;
  readonly membership: () => Membership;
}

async function main(argv: readonly string[]): Promise<void> {
  const run = invocation(argv);
  if (!(await runLocalCommand(run)) && !(await runChannelCommand(run)) && !(await runEpochOrRevocationCommand(run))) {
    throw new MemberError('MEMBER_CONFIG_INVALID', `unknown command ${String(run.command)}\n${usage}`);
  }
}

function invocation(argv: readonly string[]): Invocation {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options });
  const required = (name: Exclude<keyof typeof values, 'signature' | 'accept-flags'>): string => {
    const v = values[name];
    if (v === undefined || v === '') {
      throw new MemberError('MEMBER_CONFIG_INVALID', `${String(command)}: --${name} is required\n${usage}`);
    }
    return v;
  };
  const home = new MemberHome(resolve(required('home')));
  const log = (m: string): void => {
    process.stderr.write(`[member ${home.root}] ${m}\n`);
  };
  /** The charter this home founded or joined the channel by (kept in the home). */
  const homeCharter = (): Charter => {
    if (!existsSync(home.charter)) {
      throw new MemberError('CHARTER_MISSING', `${home.charter} does not exist: this member has not founded or joined the channel yet`);
    }
    return loadCharter(home.charter);
  };
  const membership = (): Membership => new Membership({ member: member(), fabric: FabricHome.locate(), charter: homeCharter(), log });
  const member = (): Member => new Member({ home, fabric: FabricHome.locate(), log });
  return { command, values, positionals, home, required, log, homeCharter, member, membership };
}

/** This member's own setup and lifecycle, and the steps of founding and deploying the chaincode. False if the command is not one of them. */
async function runLocalCommand({ command, values, positionals, home, required, log, homeCharter, member }: Invocation): Promise<boolean> {
  switch (command) {
    case 'init': {
      Member.create(home, {
        format: memberConfigFormat,
        organisation: {
          name: required('name'),
          mspId: required('msp-id'),
          description: values.description ?? required('name'),
          peers: Number.parseInt(values.peers ?? '1', 10),
        },
        address: required('address'),
        basePort: Number.parseInt(values['base-port'] ?? '7000', 10),
        logging: 'WARN',
      });
      await member().init();
      log(`initialised; its public bundle is ${home.exportedBundle}`);
      return true;
    }
    case 'bundle-import': {
      const m = member();
      for (const file of positionals) {
        const b = m.importBundle(resolve(file));
        log(`holds the bundle of ${b.mspId} (${b.description})`);
      }
      return true;
    }
    case 'start': {
      const m = member();
      await m.start();
      if (existsSync(home.charter)) {
        await new MemberChaincode({ member: m, charter: loadCharter(home.charter), log }).startServers();
      }
      log('started');
      return true;
    }
    case 'stop':
      await member().stop();
      log('stopped');
      return true;
    case 'compose':
      log(`wrote ${new MemberCompose({ member: member(), fabric: FabricHome.locate() }).write()}`);
      return true;
    case 'found-propose': {
      const fabric = FabricHome.locate();
      await new Founding({ member: member(), fabric, charter: loadCharter(required('charter')), log }).propose(resolve(required('out')));
      log(`wrote the proposed genesis block to ${resolve(required('out'))}`);
      return true;
    }
    case 'found-join': {
      const fabric = FabricHome.locate();
      await new Founding({ member: member(), fabric, charter: loadCharter(required('charter')), log }).join(resolve(required('block')));
      log('joined the channel');
      return true;
    }
    case 'chaincode-approve': {
      const { sequence, packageId } = await new MemberChaincode({ member: member(), charter: homeCharter(), log }).approve();
      log(`approved at sequence ${String(sequence)} with package ${packageId}`);
      return true;
    }
    case 'chaincode-commit': {
      const committed = await new MemberChaincode({ member: member(), charter: homeCharter(), log }).commit();
      log(`committed at sequence ${String(committed.sequence)}, endorsement policy ${committed.endorsementPolicy}`);
      return true;
    }
    default:
      return false;
  }
}

/** Changes of the channel's membership, proposed, signed and submitted by members' admins. False if the command is not one of them. */
async function runChannelCommand({ command, values, required, log, member, membership }: Invocation): Promise<boolean> {
  switch (command) {
    case 'propose-join':
      await membership().proposeJoin(resolve(required('bundle')), resolve(required('out')));
      return true;
    case 'propose-consenter-add':
      await membership().proposeConsenterAdd(required('msp-id'), resolve(required('out')));
      return true;
    case 'propose-consenter-remove':
      await membership().proposeConsenterRemove(required('msp-id'), resolve(required('out')));
      return true;
    case 'propose-leave':
      await membership().proposeLeave(required('msp-id'), resolve(required('out')));
      return true;
    case 'update-sign': {
      await membership().sign(resolve(required('update')), resolve(required('out')));
      log(`signed; send ${resolve(required('out'))} back to the proposer`);
      return true;
    }
    case 'update-submit':
      await membership().submit(
        resolve(required('update')),
        (values.signature ?? []).map((f) => resolve(f)),
      );
      log('the update is committed: the channel configuration changed');
      return true;
    case 'join': {
      const fabric = FabricHome.locate();
      await new Membership({ member: member(), fabric, charter: loadCharter(required('charter')), log }).joinAdmitted();
      log('joined the channel');
      return true;
    }
    default:
      return false;
  }
}

/** Stake epochs and revocations, each member on its own host. False if the command is not one of them. */
async function runEpochOrRevocationCommand({ command, values, required, log, member, homeCharter, membership }: Invocation): Promise<boolean> {
  const epoch = (): MemberEpoch => new MemberEpoch({ member: member(), fabric: FabricHome.locate(), charter: homeCharter(), log });
  switch (command) {
    case 'stakes':
      await epoch().stakes(resolve(required('out')));
      log(`wrote the stakes to ${resolve(required('out'))}`);
      return true;
    case 'epoch-approve':
      await epoch().approve(resolve(required('epoch')), { acceptFlags: values['accept-flags'] === true });
      return true;
    case 'epoch-commit':
      await epoch().commit(resolve(required('epoch')));
      return true;
    case 'identity-revoke':
    case 'crl': {
      const m = member();
      const id = command === 'crl' ? undefined : required('id');
      if (id !== undefined && !existsSync(m.home.layout.identity(m.org.name, id))) {
        throw new MemberError('IDENTITY_UNKNOWN', `${m.org.name} enrolled no identity "${id}" in this home; nothing revoked`);
      }
      const crl = id === undefined ? await m.ca.crl() : await m.ca.revoke(id);
      copyFileSync(crl, resolve(required('out')));
      log(`${id === undefined ? '' : `revoked ${id}; `}${m.ca.name}'s CRL is in ${resolve(required('out'))}`);
      return true;
    }
    case 'propose-crl':
      await membership().proposeRevocation(resolve(required('crl')), resolve(required('out')));
      return true;
    default:
      return false;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const code = err instanceof MemberError ? `${err.code}: ` : '';
  process.stderr.write(`${code}${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
