import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Consortium, FabricHome, type Host, HostNetwork, loadTopology, organisationOnHost, projectRoot } from '@isl/network';
import { ApplicationServices } from '../services/application-services';
import { FaultHarness, type ScenarioResult } from './fault-run';
import { scenarioDefects, scenarioTable } from './fault-report';
import { scenarios } from './scenarios';

/**
 * `npm run test:faults`: the eight scenarios of docs/reliability.md on member
 * hosts — each organisation's CA, orderer, peer, chaincode server and gateway
 * in a network namespace of its own, joined by one bridge — under a steady
 * load of 20 statements/s over every gateway. Needs root (ip netns, tc).
 */
describe('faults across member hosts, under load: nothing acknowledged is lost', function () {
  this.timeout(900_000);
  const basePort = Number.parseInt(process.env.ISL_TEST_BASE_PORT ?? '24000', 10);
  const network = new HostNetwork({ prefix: 'islf', subnet: '10.78.0' });
  const artefacts = join(projectRoot, 'test-artefacts', 'faults');
  const results: ScenarioResult[] = [];
  let consortium: Consortium;
  let harness: FaultHarness;

  before(async () => {
    const log = (m: string): void => {
      process.stdout.write(`  [fault hosts] ${m}\n`);
    };
    const base = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'), basePort);
    const hosts = await network.up(base.organisations.map((o) => o.name));
    const byOrg = new Map<string, Host>(hosts.map((h) => [h.name, h]));
    const topology = { ...base, organisations: base.organisations.map((o) => organisationOnHost(o, byOrg.get(o.name)?.address ?? '')) };
    consortium = new Consortium({
      topology,
      fabric: FabricHome.locate(),
      runDir: join(projectRoot, '.run', `faults-${String(basePort)}`),
      log,
      placements: byOrg,
    });
    await consortium.reset();
    await consortium.up();
    const services = new ApplicationServices({ consortium, log });
    await services.startGateways();
    harness = new FaultHarness({ consortium, services, hosts: { network, byOrg } }, { rate: 20, beforeMs: 5_000, afterMs: 15_000 });
    await harness.setUp();
    mkdirSync(artefacts, { recursive: true });
  });

  after(async () => {
    harness.close();
    writeFileSync(join(artefacts, 'hosts-report.md'), results.map((r) => scenarioTable(r)).join('\n\n') + '\n');
    writeFileSync(join(artefacts, 'hosts-report.json'), JSON.stringify(results, null, 2));
    if (process.env.ISL_KEEP_TEST_NETWORK !== '1') {
      await consortium.stop();
      await network.down();
    }
  });

  it('runs every process of each member inside its own host', () => {
    for (const org of consortium.topology.organisations) {
      for (const name of [org.orderer.name, org.peers[0]?.name ?? '', `gateway.${org.name}`]) {
        const pid = consortium.supervisor.pid(name);
        assert.ok(pid !== undefined, `${name} runs`);
        assert.equal(
          execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim(),
          `islf-${org.name}`,
          `${name} runs on ${org.name}'s host`,
        );
      }
    }
  });

  // Power loss last: it restarts everything. ISL_FAULT_SCENARIOS=1,6 runs only those.
  const only = (process.env.ISL_FAULT_SCENARIOS ?? '')
    .split(',')
    .filter((x) => x !== '')
    .map(Number);
  for (const id of [1, 2, 3, 4, 5, 6, 8, 7].filter((n) => only.length === 0 || only.includes(n))) {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`no scenario ${String(id)}`);
    it(`${String(id)}. ${scenario.name}`, async () => {
      const r = await harness.run(scenario);
      results.push(r);
      writeFileSync(join(artefacts, `hosts-scenario-${String(id)}.md`), `${scenarioTable(r)}\n`);
      process.stdout.write(`${scenarioTable(r)}\n${JSON.stringify(r.verdict.examples, null, 1)}\n`);
      assert.deepEqual(scenarioDefects(r), [], scenarioTable(r));
      assert.ok(r.verdict.acknowledged > 0, 'some statements were acknowledged');
    });
  }
});
