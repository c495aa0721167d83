#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliContext, CliError, type GlobalOptions } from './context';
import { commands } from './commands';

/**
 * isl: the image-sharing ledger's command line for patients, recipients,
 * hospital staff, operators and auditors. Each command lives in commands/.
 */
export function buildProgram(run: (ctx: CliContext) => void = () => undefined): Command {
  const program = new Command('isl')
    .description('Share medical images between hospitals through the image-sharing ledger')
    .option('--json', 'print machine-readable JSON', false)
    .option('--org <msp>', 'organisation (MSP ID or name) whose gateway or peer to use (env ISL_ORG)')
    .option('--profile <file>', 'connection profile written by npm start (env ISL_CONNECTION_PROFILE)')
    .option('--gateway <url>', 'gateway application base URL (env ISL_GATEWAY_URL)')
    .option('--wallet <file>', 'wallet file (env ISL_WALLET, default ~/.isl/wallet.json)')
    .option('--min-block <n>', "reads wait until the gateway's peer has this block: a write's block, to read it at another gateway (env ISL_MIN_BLOCK)")
    .showHelpAfterError()
    .exitOverride();
  const context = (): CliContext => {
    const ctx = new CliContext(program.opts<GlobalOptions>());
    run(ctx);
    return ctx;
  };
  for (const register of commands) {
    register(program, context);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    const json = argv.includes('--json');
    const message = err instanceof Error ? err.message : String(err);
    if (json) {
      process.stdout.write(`${JSON.stringify({ error: { message, code: (err as { code?: unknown }).code } })}\n`);
    } else {
      process.stderr.write(`isl: ${message}\n`);
    }
    return err instanceof CliError ? err.exitCode : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`isl: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
