import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricHome } from '../fabric-home';
import type { Topology } from '../topology/topology';
import { configtxYaml, profileName, type ChannelMember } from '../config/configtx';
import { run } from '../process/run';

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
