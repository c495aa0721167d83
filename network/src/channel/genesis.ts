import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Topology } from '../topology/topology';
import { channelMembersOf, configtxYaml, profileName, type ChannelMember } from '../config/configtx';
import { run } from '../process/run';

/** Makes the local network's genesis block from its run folder; returns its path. */
export async function makeGenesisBlock(fabric: FabricHome, layout: Layout, topology: Topology): Promise<string> {
  return writeGenesisBlock(fabric, {
    dir: layout.channelDir,
    channel: topology.channel,
    members: channelMembersOf(layout, topology),
    orderer: topology.orderer,
  });
}

export interface GenesisInput {
  /** Where configtx/ and the block are written. */
  readonly dir: string;
  readonly channel: string;
  readonly members: readonly ChannelMember[];
  readonly orderer: Topology['orderer'];
}

/** Writes configtx.yaml and makes the channel's genesis block with configtxgen; returns its path. */
export async function writeGenesisBlock(fabric: FabricHome, input: GenesisInput): Promise<string> {
  const dir = join(input.dir, 'configtx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'configtx.yaml'), configtxYaml(input.members, input.orderer));
  const block = join(input.dir, `${input.channel}.genesis.block`);
  await run(fabric.bin('configtxgen'), ['-profile', profileName, '-outputBlock', block, '-channelID', input.channel], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FABRIC_CFG_PATH: dir },
  });
  return block;
}
