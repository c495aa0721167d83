import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerWallet } from './wallet';
import { registerStatements } from './statements';
import { registerSource } from './source';
import { registerQueries } from './queries';
import { registerUser } from './user';
import { registerPacs } from './pacs';
import { registerPublish } from './publish';
import { registerRetrieve } from './retrieve';
import { registerDisclosures } from './disclosures';
import { registerStake } from './stake';
import { registerAudit } from './audit';
import { registerBreakGlass } from './break-glass';

/** A command module adds its verbs to the program; `context()` resolves global options lazily. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command of isl, in help order. Each module lives beside this file. */
export const commands: readonly RegisterCommand[] = [
  registerWallet,
  registerStatements,
  registerBreakGlass,
  registerSource,
  registerQueries,
  registerUser,
  registerPacs,
  registerPublish,
  registerRetrieve,
  registerDisclosures,
  registerStake,
  registerAudit,
];
