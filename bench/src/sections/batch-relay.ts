import type { BenchNetwork } from '../network';
import { allowAccessStatement, defineStudies, type BenchStudy } from '../fixtures';
import { benchBatches, type BatchOptions, type BatchStep } from './batch';

/**
 * The batch section against the running consortium: AllowAccess statements relayed alone
 * (POST /api/v1/statements) or in batches (POST /api/v1/statements/batch), through the
 * organisations' gateways round-robin with their member tokens.
 */
export async function relayBatches(net: BenchNetwork, o: Omit<BatchOptions, 'runDir'>): Promise<BatchStep[]> {
  const studies = await defineStudies(net, 4);
  const sign = (count: number): Promise<string[]> =>
    Promise.all(Array.from({ length: count }, async (_, n) => (await allowAccessStatement(net, studies[n % studies.length] as BenchStudy)).statement));
  const send = async (statements: readonly string[], request: number): Promise<void> => {
    const org = net.orgs[request % net.orgs.length];
    if (org === undefined) throw new Error('no organisation');
    const [first] = statements;
    if (statements.length === 1 && first !== undefined) {
      if ((await org.rest.relay(first)).alreadyApplied) throw new Error('statement was already applied');
      return;
    }
    const answer = await org.rest.relayBatch(statements);
    const refused = answer.results.filter((r) => r.status !== 201);
    if (refused.length > 0) throw new Error(`${String(refused.length)} of the batch not applied (status ${String(refused[0]?.status)})`);
  };
  return benchBatches({ sign, send }, { ...o, runDir: net.runDir });
}
