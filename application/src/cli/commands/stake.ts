import type { Command } from 'commander';
import { CliError, type CliContext } from '../context';
import { EpochError, EpochRotation, type EpochProposal, type PendingEpoch } from '../../stake/epoch-rotation';
import { compileStakePolicy, MORE_THAN_HALF, pickEndorsers } from '../../stake/policy';
import type { RegisterCommand } from './index';
import { compileMemberEpoch, type CompiledEpochFile } from '../../stake/member-epoch-compile';
import { writeFileAtomic } from '@isl/platform';
import { describeEpochReport } from '@isl/network';
import { operatorConsortium } from './operator';

interface EpochFlags {
  readonly approveOnly?: boolean;
  readonly commit?: boolean;
  readonly pending?: boolean;
  readonly channelPolicy?: boolean;
  readonly review?: boolean;
  readonly refuse?: boolean;
  readonly reason?: string;
  readonly acceptFlagged?: boolean;
  readonly floor: string;
}

function floorOf(flags: { floor: string }): number {
  const floor = Number(flags.floor);
  if (!Number.isSafeInteger(floor) || floor < 0) {
    throw new CliError('--floor must be a non-negative integer', 2);
  }
  return floor;
}

function describeProposal(p: EpochProposal): string {
  const stakes = Object.entries(p.stakes)
    .map(([org, n]) => `${org}=${String(n)}`)
    .join(', ');
  return `sequence ${String(p.sequence)}: ${p.policy ?? 'the channel policy (/Channel/Application/Endorsement)'}\n  stakes ${stakes} (proposed ${p.proposedAt})\n${describeEpochReport(p.report)}`;
}

function describePending(p: PendingEpoch): string {
  const lines = Object.entries(p.approvals).map(([org, ok]) => {
    const refusal = p.refusals[org];
    return `  ${org.padEnd(16)} ${ok ? 'approved' : refusal ? `refused: ${refusal.reason}` : 'pending'}`;
  });
  return `${describeProposal(p.proposal)}\n${lines.join('\n')}`;
}

/** `isl stake show|epoch`: operators rotate the stake-weighted endorsement policy. */
export const registerStake: RegisterCommand = (program: Command, context: () => CliContext) => {
  const stake = program.command('stake').description("organisations' stake (studies published) and the stake-weighted endorsement policy");
  registerShow(stake, context);
  registerEpoch(stake, context);
  registerCompile(stake, context);
};

/** `isl stake compile`: a consortium member's stakes file compiled into the epoch every member approves (docs/deployment.md). */
function registerCompile(stake: Command, context: () => CliContext): void {
  stake
    .command('compile')
    .description(
      'compile the stakes a member read (npm run member -- stakes) into the stake epoch each member approves on its own host, with its stake report (changes since the last epoch, outlier flags)',
    )
    .requiredOption('--stakes <file>', 'the stakes file')
    .requiredOption('--out <file>', 'where to write the compiled epoch')
    .option('--floor <n>', 'weight of a member with fewer studies', '1')
    .action((flags: { stakes: string; out: string; floor: string }) => {
      const ctx = context();
      let epoch: CompiledEpochFile;
      try {
        epoch = compileMemberEpoch(flags.stakes, floorOf(flags));
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), 2);
      }
      writeFileAtomic(flags.out, `${JSON.stringify(epoch, null, 2)}\n`);
      ctx.print(
        epoch,
        () =>
          `sequence ${String(epoch.sequence)}: ${epoch.policy}\n${describeEpochReport(epoch.report, "each member's epoch-approve refuses it unless --accept-flags")}\n  written to ${flags.out}`,
      );
    });
}

/** `isl stake show`: the ledger's stakes and the policy they compile to, next to the committed one. */
function registerShow(stake: Command, context: () => CliContext): void {
  stake
    .command('show')
    .description('the stake of every organisation read from the ledger, and the policy it compiles to')
    .option('--floor <n>', 'weight of a member with fewer studies', '1')
    .action(async (flags: { floor: string }) => {
      const ctx = context();
      const consortium = operatorConsortium(ctx.env);
      const rotation = new EpochRotation({ consortium, floorWeight: floorOf(flags) });
      const stakes = await rotation.stakes();
      const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight: floorOf(flags) });
      const committed = await consortium.chaincode.committed();
      const result = {
        stakes,
        proposedPolicy: compiled.policy,
        weights: compiled.weights,
        minimumWinningWeight: compiled.minimumWinningWeight,
        smallestCoalition: pickEndorsers(compiled, Object.keys(stakes)) ?? [],
        committed: committed ?? null,
      };
      ctx.print(result, () =>
        [
          'organisation      studies  weight',
          ...Object.entries(stakes).map(([org, n]) => `${org.padEnd(17)} ${String(n).padStart(7)}  ${String(compiled.weights[org] ?? 0).padStart(6)}`),
          `policy now   (sequence ${String(committed?.sequence ?? '-')}): ${committed?.endorsementPolicy ?? '-'}`,
          `policy from stakes: ${compiled.policy}`,
        ].join('\n'),
      );
    });
}

/** `isl stake epoch`: the rotation, all steps at once or one step per operator. */
function registerEpoch(stake: Command, context: () => CliContext): void {
  stake
    .command('epoch')
    .description(
      "move the chaincode definition to the policy compiled from the ledger's stakes: every organisation's admin approves the new sequence, it is committed, and the epoch is recorded (RecordEpoch). Steps can run separately",
    )
    .option('--approve-only', "only approve the open proposal (made now if none) as --org's admin")
    .option('--commit', 'commit the open proposal once every organisation approved, then record the epoch')
    .option('--pending', 'show the open proposal and which organisations approved or refused it')
    .option('--review', 'show the open proposal (made now if none) with the stake report, without approving')
    .option('--refuse', "decline the open proposal as --org: it does not approve; without a majority's approvals the epoch cannot commit")
    .option('--reason <text>', 'why --refuse declines (shown to the other operators)', 'declined after review')
    .option('--accept-flagged', 'let the all-steps run approve although the stake report flags an organisation')
    .option('--channel-policy', "propose the channel's default endorsement policy (MAJORITY) instead of the stake policy")
    .option('--floor <n>', 'weight of a member with fewer studies', '1')
    .action(async (flags: EpochFlags) => {
      const ctx = context();
      const rotation = new EpochRotation({ consortium: operatorConsortium(ctx.env), floorWeight: floorOf(flags) });
      try {
        if (flags.pending === true) {
          const pending = await rotation.pending();
          ctx.print(pending ?? null, () => (pending ? describePending(pending) : 'no open epoch proposal'));
          return;
        }
        if (flags.review === true) {
          const proposal = await rotation.propose({ channelPolicy: flags.channelPolicy === true });
          ctx.print(proposal, () => describeProposal(proposal));
          return;
        }
        if (flags.refuse === true) {
          const org = ctx.options.org ?? ctx.env.ISL_ORG;
          if (org === undefined) {
            throw new CliError('--refuse needs --org <msp>: the organisation that declines', 2);
          }
          const refusal = await rotation.refuse(org, flags.reason ?? 'declined after review');
          ctx.print(refusal, () => `${refusal.mspId} refused sequence ${String(refusal.sequence)}: ${refusal.reason} (not approved)`);
          return;
        }
        if (flags.approveOnly === true) {
          const org = ctx.options.org ?? ctx.env.ISL_ORG;
          if (org === undefined) {
            throw new CliError('--approve-only needs --org <msp>: the organisation whose admin approves', 2);
          }
          await rotation.propose({ channelPolicy: flags.channelPolicy === true });
          const proposal = await rotation.approve(org);
          ctx.print({ approvedBy: org, proposal }, () => `${org} approved ${describeProposal(proposal)}`);
          return;
        }
        if (flags.commit === true) {
          const committed = await rotation.commit(ctx.options.org ?? ctx.env.ISL_ORG);
          ctx.print(
            committed,
            () =>
              `committed sequence ${String(committed.sequence)} in block ${String(committed.block)}: ${committed.policy}${committed.recordTxId ? `\nrecorded as epoch (transaction ${committed.recordTxId})` : ''}`,
          );
          return;
        }
        const committed = await rotation.rotate({ channelPolicy: flags.channelPolicy === true, acceptFlagged: flags.acceptFlagged === true });
        ctx.print(
          committed,
          () =>
            `epoch ${String(committed.sequence)} committed in block ${String(committed.block)}: ${committed.policy}${committed.recordTxId ? `\nrecorded (transaction ${committed.recordTxId})` : ''}`,
        );
      } catch (err) {
        if (err instanceof EpochError) {
          throw new CliError(err.message);
        }
        throw err;
      }
    });
}
