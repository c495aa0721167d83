import { strict as assert } from 'node:assert';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { getOperations, httpsGet, pinnedNodeVersion, projectNode } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { imageSourceEndpoints } from '../imagesource/endpoints';
import { ImageSourcePaths } from '../imagesource/paths';
import { runStatus } from '../testing/run-status';

/** The Node services of a run folder: chaincode servers, gateways, image sources (the rest is Go or Orthanc). */
const NODE_SERVICE = /^(chaincode\.|gateway\.|image-source\.)/;

describe("every Node service runs on the project's Node (issue 11 item 17)", function () {
  this.timeout(120_000);

  it("as the kernel says: /proc/<pid>/exe of every Node process in the run folder's pids is the project's Node", () => {
    const c = getTestConsortium();
    // Each member's processes have their pid files in its own home.
    const names = c.supervisor.names();
    const expected = [
      ...c.topology.organisations.flatMap((o) => o.peers.map((p) => `chaincode.${p.name}`)),
      ...c.topology.organisations.map((o) => `gateway.${o.name}`),
      ...c.topology.organisations.map((o) => `image-source.${o.name}`),
    ].sort();
    assert.deepEqual(names.filter((n) => NODE_SERVICE.test(n)).sort(), expected, 'the run folder has every chaincode server, gateway and image source');
    const project = realpathSync(projectNode());
    for (const name of names) {
      const pid = c.supervisor.pid(name) ?? 0;
      const exe = readlinkSync(`/proc/${String(pid)}/exe`);
      if (NODE_SERVICE.test(name)) {
        assert.equal(exe, project, `${name} (pid ${String(pid)}) runs ${exe}`);
      } else {
        // Fabric's Go binaries and Orthanc: no Node, so no other Node either.
        assert.notEqual(exe.split('/').pop(), 'node', `${name} (pid ${String(pid)}) runs ${exe}`);
      }
    }
  });

  it('as each gateway and image source says on /healthz', async () => {
    const c = getTestConsortium();
    const profile = c.connectionProfile();
    for (const org of profile.organisations) {
      const gateway = await getOperations(org.gateway, '/healthz');
      assert.equal(gateway.status, 200);
      assert.equal((JSON.parse(gateway.body) as { node?: unknown }).node, pinnedNodeVersion(), `gateway of ${org.mspId}`);
      const ca = readFileSync(new ImageSourcePaths(c.home(org.name).root, org.name).tls.tlsCa);
      const source = await httpsGet(`${imageSourceEndpoints(org).url}/healthz`, ca);
      assert.equal(source.status, 200);
      assert.equal((JSON.parse(source.body) as { node?: unknown }).node, pinnedNodeVersion(), `image source of ${org.mspId}`);
    }
  });

  it('as `npm run --silent status` reports for every process (chaincode servers included)', async () => {
    const c = getTestConsortium();
    const status = await runStatus(c);
    const byName = new Map(status.processes.map((p) => [p.name, p]));
    for (const org of c.topology.organisations) {
      for (const name of [...org.peers.map((p) => `chaincode.${p.name}`), `gateway.${org.name}`, `image-source.${org.name}`]) {
        const p = byName.get(name);
        assert.ok(p, `status lists ${name}`);
        assert.equal(p.running, true, name);
        assert.equal(p.node, pinnedNodeVersion(), name);
        assert.equal(p.executable, realpathSync(projectNode()), name);
      }
      for (const name of [org.ca.name, org.orderer.name, ...org.peers.map((p) => p.name)]) {
        assert.equal(byName.get(name)?.node, null, `${name} is not a Node process`);
      }
    }
    assert.equal(status.projectNode, pinnedNodeVersion());
  });
});
