import { epochFormat, readEpochStakes, stakesReport, type EpochReport, type EpochStakesFile } from '@isl/network';
import { compileStakePolicy, epochPolicyRecordJson, MORE_THAN_HALF } from './policy';

/** A compiled epoch: the next definition's sequence and stake policy, with the compiler's record and the stake report every member reviews. */
export interface CompiledEpochFile {
  readonly format: typeof epochFormat;
  readonly channel: string;
  readonly sequence: number;
  readonly policy: string;
  readonly stakes: Readonly<Record<string, number>>;
  readonly record: string;
  /** The report's figures, carried so every member's epoch-approve recomputes the report from them. */
  readonly previous: EpochStakesFile['previous'];
  readonly activity: EpochStakesFile['activity'];
  /** Each member's stake change since the last epoch, and the outliers (docs/stake-and-audit.md). */
  readonly report: EpochReport;
}

/**
 * Compiles the stakes a member read (`npm run member -- stakes`) into the epoch
 * every member approves: a member below the floor counts the floor weight; the
 * stake report of the same figures goes with it. Throws an Error naming what is
 * wrong with the stakes file.
 */
export function compileMemberEpoch(stakesFile: string, floorWeight: number): CompiledEpochFile {
  const { channel, sequence, stakes, previous, activity } = readEpochStakes(stakesFile);
  const compiled = compileStakePolicy({ stakes, threshold: MORE_THAN_HALF, floorWeight });
  return {
    format: epochFormat,
    channel,
    sequence,
    policy: compiled.policy,
    stakes,
    record: epochPolicyRecordJson(compiled, sequence),
    previous,
    activity,
    report: stakesReport({ previous, stakes, activity }),
  };
}
