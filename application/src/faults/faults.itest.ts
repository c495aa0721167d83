import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { getTestServices } from '../testing/root-hooks';
import { FaultHarness, type ScenarioResult } from './fault-run';
import { scenarioDefects, scenarioTable } from './fault-report';
import { scenarios } from './scenarios';

/**
 * The fault harness's CI-sized form, on the integration suite's network (one
 * machine, loopback): three of the faults that need no member hosts (a
 * leader's loss, ordering without a quorum, an organisation's only peer), at
 * a lower rate. `npm run test:faults` runs all eight on member hosts.
 */
describe('faults under load (CI-sized): nothing acknowledged is lost, nobody is told wrongly', function () {
  this.timeout(600_000);
  let harness: FaultHarness;
  const artefacts = join(projectRoot, 'test-artefacts', 'faults');

  before(async () => {
    harness = new FaultHarness({ consortium: getTestConsortium(), services: getTestServices() }, { rate: 10, beforeMs: 3_000, afterMs: 8_000 });
    await harness.setUp();
    mkdirSync(artefacts, { recursive: true });
  });

  after(() => {
    harness.close();
  });

  const check = (r: ScenarioResult): void => {
    writeFileSync(join(artefacts, `ci-scenario-${String(r.id)}.md`), `${scenarioTable(r)}\n`);
    assert.deepEqual(scenarioDefects(r), [], scenarioTable(r));
    assert.ok(r.verdict.acknowledged > 0, 'some statements were acknowledged');
    assert.ok(r.recovery.firstCommitMs !== undefined, 'a statement sent after the fault committed');
  };

  for (const id of [1, 5, 6]) {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`no scenario ${String(id)}`);
    it(`${String(id)}. ${scenario.name}: every acknowledged statement is VALID on every peer, every other one clear and settled by a retry, the chains identical`, async () => {
      check(await harness.run(scenario));
    });
  }
});
