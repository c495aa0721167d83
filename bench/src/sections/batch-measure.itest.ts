import { strict as assert } from 'node:assert';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { audienceFor, createStatement, generateStatementKey, newStudyReference, thumbprint } from '@isl/chaincode';
import { LedgerClient } from '@isl/application';
import { testNetwork, type OrgConnection } from '@isl/network/testing';
import { benchBatches } from './batch';

/**
 * The batch section against the integration test network (no gateway applications: through the
 * Fabric Gateway with LedgerClient, as the gateway application does), for a machine where `npm start`
 * is not available. Not a test: run it on its own (docs/performance.md, "Goal 5").
 */
describe('measure: statements per transaction (test network)', function () {
  this.timeout(3_600_000);

  it('single statements against batches of 10 and 50', async () => {
    const network = testNetwork();
    const audience = audienceFor(network.channelName, network.chaincodeName);
    const orgs: OrgConnection[] = await Promise.all(network.organisations.map((mspId) => network.connect(mspId)));
    const ledgers = orgs.map((org) => new LedgerClient(org.contract));
    const studies: { source: string; study: string; patient: Awaited<ReturnType<typeof generateStatementKey>>['privateJwk'] }[] = [];
    for (const [i, ledger] of ledgers.entries()) {
      const { privateJwk: sourceKey } = await generateStatementKey('ES256');
      await ledger.submit('DefineSource', [await createStatement('DefineSource', { url: `https://pacs${String(i)}.example/iti43` }, sourceKey, { audience })]);
      for (let k = 0; k < 4; k++) {
        const { privateJwk: patient } = await generateStatementKey('ES256');
        const study = newStudyReference();
        const consent = await createStatement('PatientConsent', { source: await thumbprint(sourceKey), study }, patient, { audience });
        await ledger.submit('DefineStudy', [await createStatement('DefineStudy', { study, consent }, sourceKey, { audience })]);
        studies.push({ source: await thumbprint(sourceKey), study, patient });
      }
    }
    const sign = (count: number): Promise<string[]> =>
      Promise.all(
        Array.from({ length: count }, (_, n) => {
          const s = studies[n % studies.length];
          assert.ok(s);
          const until = Math.floor(Date.now() / 1000) + 86_400;
          return createStatement('AllowAccess', { source: s.source, study: s.study, recipient: newStudyReference(), until, purpose: 'TREAT' }, s.patient, {
            audience,
          });
        }),
      );
    const send = async (statements: readonly string[], request: number): Promise<void> => {
      const ledger = ledgers[request % ledgers.length];
      assert.ok(ledger);
      if (statements.length === 1) {
        await ledger.submit('AllowAccess', [...statements]);
        return;
      }
      const { result } = await ledger.submit<{ results: { applied: boolean; code?: string }[] }>('SubmitBatch', [JSON.stringify(statements)]);
      const refused = result.results.filter((r) => !r.applied);
      if (refused.length > 0) throw new Error(`refused: ${refused.map((r) => r.code ?? '?').join(',')}`);
    };
    const log = (m: string): void => {
      console.log(`[batch] ${m}`);
    };
    log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const steps = await benchBatches(
      { sign, send },
      {
        sizes: (process.env.ISL_BATCH_SIZES ?? '1,10,50').split(',').map(Number),
        inFlight: Number(process.env.ISL_BATCH_IN_FLIGHT ?? '64'),
        stepS: Number(process.env.ISL_BATCH_STEP_S ?? '30'),
        maxStatements: Number(process.env.ISL_BATCH_MAX_STATEMENTS ?? '6000'),
        runDir: join(process.cwd(), '.run', `test-${process.env.ISL_TEST_BASE_PORT ?? '17000'}`),
        log,
      },
    );
    log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const s of steps) {
      log(
        `size ${String(s.size)}: ${JSON.stringify({ statementsPerS: s.statementsPerS, cpuMsPerStatement: s.cpuMsPerStatement, byKind: s.cpuMsPerStatementByKind, latencyMs: s.step.latencyMs, failed: s.step.failed })}`,
      );
    }
    for (const org of orgs) org.close();
  });
});
