#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FabricHome } from '../fabric-home';
import { loadCharter } from './charter';
import { Founding } from './found';
import { Member } from './member';
import { memberConfigFormat } from './member-config';
import { MemberError } from './member-error';
import { MemberHome } from './member-home';

const usage = `usage: member <command> --home <folder> [options]   (run each on the member's own host)
  init --name <org> --msp-id <MSP> --address <IPv4> [--description <text>] [--peers <n>] [--base-port <port>]
        starts the member's Fabric CA, enrols its identities (TLS certificates name --address), writes bundle.json
  bundle-import <bundle.json>...   keeps other members' public bundles (refuses any private key)
  start                            starts the CA, orderer and peers, trusting the bundles held now
  stop                             stops them
  found-propose --charter <file> --out <genesis.block>   makes the channel's genesis block from the founders' bundles
  found-join --charter <file> --block <genesis.block>     verifies the block against the bundles held, joins orderer and peers`;

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
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
    },
  });
  const required = (name: keyof typeof values): string => {
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
  const member = (): Member => new Member({ home, fabric: FabricHome.locate(), log });
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
      return;
    }
    case 'bundle-import': {
      const m = member();
      for (const file of positionals) {
        const b = m.importBundle(resolve(file));
        log(`holds the bundle of ${b.mspId} (${b.description})`);
      }
      return;
    }
    case 'start':
      await member().start();
      log('started');
      return;
    case 'stop':
      await member().stop();
      log('stopped');
      return;
    case 'found-propose': {
      const fabric = FabricHome.locate();
      await new Founding({ member: member(), fabric, charter: loadCharter(required('charter')), log }).propose(resolve(required('out')));
      log(`wrote the proposed genesis block to ${resolve(required('out'))}`);
      return;
    }
    case 'found-join': {
      const fabric = FabricHome.locate();
      await new Founding({ member: member(), fabric, charter: loadCharter(required('charter')), log }).join(resolve(required('block')));
      log('joined the channel');
      return;
    }
    default:
      throw new MemberError('MEMBER_CONFIG_INVALID', `unknown command ${String(command)}\n${usage}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const code = err instanceof MemberError ? `${err.code}: ` : '';
  process.stderr.write(`${code}${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
