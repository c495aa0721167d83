import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consortium, memberHomeOf } from './consortium';
import { FabricHome, projectRoot } from './fabric-home';
import { loadTopology } from './topology/topology';

describe('Consortium (no network)', () => {
  // Ports nobody listens on.
  const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'), 31_000);
  let runDir: string;

  beforeEach(() => {
    runDir = join(mkdtempSync(join(tmpdir(), 'isl-consortium-')), 'consortium');
  });

  afterEach(() => {
    rmSync(join(runDir, '..'), { recursive: true, force: true });
  });

  it('reports a run folder it never started: every node unreached, nothing committed, and asking makes no home', async () => {
    const status = await new Consortium({ topology, fabric: new FabricHome(''), runDir }).status();
    assert.deepEqual(
      status.orderers.map((o) => [o.name, o.height, o.leader]),
      topology.organisations.map((o) => [o.orderer.name, null, false]),
    );
    assert.equal(status.peers.length, 4);
    assert.ok(status.peers.every((p) => p.height === null));
    assert.equal(status.chaincode.sequence, null);
    assert.equal(existsSync(runDir), false, 'status wrote nothing');
  });

  it("names each organisation's home in the connection profile, and every identity file lies in that home", () => {
    const profile = new Consortium({ topology, fabric: new FabricHome(''), runDir }).connectionProfile();
    for (const org of profile.organisations) {
      const home = memberHomeOf(runDir, org.name);
      assert.equal(org.home, home);
      for (const file of [org.ca.caCert, org.client.key, org.client.cert, org.admin.key, org.admin.tlsKey, ...org.peers.map((p) => p.tlsCaCert)]) {
        assert.ok(file.startsWith(`${home}/`), `${org.name}: ${file} lies outside its home`);
      }
    }
  });
});
