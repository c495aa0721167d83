import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Topology } from '../topology/topology';
import { configtxYaml, profileName } from '../config/configtx';
import { run } from '../process/run';

/** Writes configtx.yaml and makes the channel's genesis block with configtxgen; returns its path. */
export async function makeGenesisBlock(fabric: FabricHome, layout: Layout, topology: Topology): Promise<string> {
  const dir = join(layout.channelDir, 'configtx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'configtx.yaml'), configtxYaml(layout, topology));
  const block = join(layout.channelDir, `${topology.channel}.genesis.block`);
  await run(fabric.bin('configtxgen'), ['-profile', profileName, '-outputBlock', block, '-channelID', topology.channel], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FABRIC_CFG_PATH: dir },
  });
  return block;
}
