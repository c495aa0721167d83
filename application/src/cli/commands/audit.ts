import type { Command } from 'commander';
import { connectGateway, orderersOf } from '@isl/network';
import { auditLedger } from '../../audit/audit-report';
import { formatAudit } from '../../audit/format';
import { formatBreakGlassReview, reviewBreakGlass } from '../../audit/break-glass-review';
import { recordHistory } from '../../audit/history';
import { CliError, type CliContext } from '../context';
import type { RegisterCommand } from './index';

function blockNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CliError(`${name} must be a block number`, 2);
  }
  return n;
}

/**
 * `isl audit`: the paper's audit of each node's activity, read from the blocks
 * at --org's peer, not through the gateway's REST API (which serves the same
 * report to auditor tokens, GET /api/v1/audit): an operator or auditor on the
 * consortium's side reads the blocks with its own Fabric identity, so the
 * report does not rest on the member's gateway. Uses the identity the
 * connection profile names for --org (its auditor identity when the profile
 * has one), see docs/stake-and-audit.md.
 */
export const registerAudit: RegisterCommand = (program: Command, context: () => CliContext) => {
  const audit = program
    .command('audit')
    .description('per organisation: stake, endorsements given, endorsed transactions the peers invalidated, blocks cut as Raft leader, and the epochs')
    .option('--from <block>', 'first block to read', '0')
    .option('--to <block>', 'read up to (not including) this block; default the current height')
    .action(async (flags: { from: string; to?: string }) => {
      const ctx = context();
      const profile = ctx.profile();
      const org = ctx.organisation();
      const conn = connectGateway({ org });
      try {
        const fromBlock = blockNumber('--from', flags.from);
        const toBlock = blockNumber('--to', flags.to);
        const report = await auditLedger({
          network: conn.gateway.getNetwork(profile.channel),
          chaincode: profile.chaincode,
          members: profile.organisations.map((o) => o.mspId),
          orderers: orderersOf(profile),
          ...(fromBlock === undefined ? {} : { fromBlock }),
          ...(toBlock === undefined ? {} : { toBlock }),
        });
        ctx.print(report, () => formatAudit(report));
      } finally {
        conn.close();
      }
    });

  audit
    .command('break-glass')
    .description('every break-glass (emergency) lease for review: who, which hospital, when, and what was released under it')
    .option('--since <time>', 'only leases granted at or after this ISO 8601 UTC time, e.g. 2025-01-15T12:00:00.000Z')
    .action(async (flags: { since?: string }) => {
      const ctx = context();
      const profile = ctx.profile();
      const conn = connectGateway({ org: ctx.organisation() });
      try {
        const leases = await reviewBreakGlass(conn.gateway.getNetwork(profile.channel).getContract(profile.chaincode), flags.since ?? '');
        ctx.print(leases, () => formatBreakGlassReview(leases));
      } finally {
        conn.close();
      }
    });

  audit
    .command('history <key>')
    .description("a record's full history, e.g. source/<source>, grant/<source>/<study>/<recipient>, epoch/0000000002")
    .action(async (key: string) => {
      const ctx = context();
      const profile = ctx.profile();
      const conn = connectGateway({ org: ctx.organisation() });
      try {
        const history = await recordHistory(conn.gateway.getNetwork(profile.channel).getContract(profile.chaincode), key);
        ctx.print(history, () => JSON.stringify(history, null, 2));
      } finally {
        conn.close();
      }
    });
};
