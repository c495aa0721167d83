import type { Command } from 'commander';
import type { CliContext } from '../context';

/** A command module adds its verbs to the program; `context()` resolves global options lazily. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command of isl, in help order. Each module lives beside this file. */
export const commands: readonly RegisterCommand[] = [];
