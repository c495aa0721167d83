import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes on disk of a peer's ledger (its ledgersData folder) and of the parts that grow. */
export interface LedgerBytes {
  readonly total: number;
  /** The block files (chains/). */
  readonly blocks: number;
  /** The world state (stateLeveldb/) and the history index (historyLeveldb/). */
  readonly state: number;
  readonly history: number;
}

/** Sum of the sizes of the files under a folder (0 when it does not exist). */
export function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      bytes += statSync(join(entry.parentPath, entry.name)).size;
    } catch {
      // LevelDB compaction removed the file while we listed it.
    }
  }
  return bytes;
}

/** A peer's ledger sizes from its data folder (`<member home>/nodes/<peer>`). */
export function ledgerBytes(peerData: string): LedgerBytes {
  const ledgers = join(peerData, 'ledgersData');
  return {
    total: folderBytes(ledgers),
    blocks: folderBytes(join(ledgers, 'chains')),
    state: folderBytes(join(ledgers, 'stateLeveldb')),
    history: folderBytes(join(ledgers, 'historyLeveldb')),
  };
}
