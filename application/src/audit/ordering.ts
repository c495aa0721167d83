import { type Endpoint, getOperations, metricValue } from '@isl/network';

/** An orderer whose operations endpoint the audit reads. */
export interface AuditedOrderer {
  readonly mspId: string;
  readonly name: string;
  readonly operations: Endpoint;
}

/**
 * One orderer's ordering activity, from its own operations metrics, counted
 * since that orderer process last started.
 *
 * Blocks do not say which Raft leader cut them: every orderer signs the copy it
 * writes (Fabric's BlockWriter), so a block's signature names the orderer the
 * reading peer pulled it from. The leader alone runs the block cutter, so its
 * `blockcutter_block_fill_duration` count is the number of blocks it cut.
 */
export interface OrdererActivity {
  readonly mspId: string;
  readonly orderer: string;
  readonly reachable: boolean;
  readonly isLeader: boolean | null;
  readonly blocksCutAsLeader: number | null;
  readonly leaderChanges: number | null;
  /** Proposals it failed to get through consensus (the paper's "failures to produce a block"). */
  readonly proposalFailures: number | null;
}

export async function orderingActivity(orderers: readonly AuditedOrderer[], channel: string): Promise<OrdererActivity[]> {
  return Promise.all(
    orderers.map(async (o): Promise<OrdererActivity> => {
      try {
        const { status, body } = await getOperations(o.operations, '/metrics');
        if (status !== 200) {
          throw new Error(`HTTP ${String(status)}`);
        }
        const labels = { channel };
        return {
          mspId: o.mspId,
          orderer: o.name,
          reachable: true,
          isLeader: metricValue(body, 'consensus_etcdraft_is_leader', labels) === 1,
          // Absent until the node first cuts a block as leader.
          blocksCutAsLeader: metricValue(body, 'blockcutter_block_fill_duration_count', labels) ?? 0,
          leaderChanges: metricValue(body, 'consensus_etcdraft_leader_changes', labels) ?? 0,
          proposalFailures: metricValue(body, 'consensus_etcdraft_proposal_failures', labels) ?? 0,
        };
      } catch {
        return { mspId: o.mspId, orderer: o.name, reachable: false, isLeader: null, blocksCutAsLeader: null, leaderChanges: null, proposalFailures: null };
      }
    }),
  );
}
