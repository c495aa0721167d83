import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { FabricHome, projectRoot } from '../fabric-home';
import { Layout } from '../layout';
import { Peer } from '../node/peer';
import type { StartOptions, Supervisor } from '../process/supervisor';
import { loadTopology } from '../topology/topology';
import { CHAINCODE_EXECUTE_TIMEOUT, CHAINCODE_KEEPALIVE_SECONDS, TOTAL_QUERY_LIMIT, writeNodeConfig } from './node-config';

interface CoreYaml {
  chaincode: { keepalive: number; executetimeout: string };
  ledger: { state: { totalQueryLimit: number } };
}

describe("the peers' core.yaml", () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-node-config-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Writes the network's configuration over Fabric defaults that differ from what the network needs. */
  function written(): CoreYaml {
    const fabric = new FabricHome(join(scratch, 'fabric'));
    mkdirSync(fabric.defaultConfig, { recursive: true });
    const defaults = {
      peer: { authentication: { timewindow: '1m' }, tls: { clientRootCAs: { files: [] } } },
      vm: { endpoint: 'unix:///var/run/docker.sock' },
      chaincode: { keepalive: 30, executetimeout: '300s', externalBuilders: [] },
      ledger: { state: { stateDatabase: 'goleveldb', totalQueryLimit: 10_000_000 } },
    };
    writeFileSync(join(fabric.defaultConfig, 'core.yaml'), stringify(defaults));
    writeFileSync(join(fabric.defaultConfig, 'orderer.yaml'), 'General: {}\n');
    writeNodeConfig(fabric, join(scratch, 'config'), []);
    return parse(readFileSync(join(scratch, 'config', 'core.yaml'), 'utf8')) as CoreYaml;
  }

  it('keeps the chaincode keep-alive off whatever the defaults say (fabric-shim 2.5.8 exits on a KEEPALIVE)', () => {
    assert.equal(CHAINCODE_KEEPALIVE_SECONDS, 0);
    assert.equal(written().chaincode.keepalive, 0);
  });

  it('states the execute timeout and the range-query bound the project relies on (Fabric 2.5.9 range-query timeout crash)', () => {
    const core = written();
    assert.equal(core.chaincode.executetimeout, CHAINCODE_EXECUTE_TIMEOUT);
    assert.equal(core.ledger.state.totalQueryLimit, TOTAL_QUERY_LIMIT);
  });

  it("is not overridden for a peer by a CORE_CHAINCODE_KEEPALIVE in the operator's environment", () => {
    const started: StartOptions[] = [];
    const supervisor = { start: (o: StartOptions) => started.push(o) } as unknown as Supervisor;
    const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'));
    const node = topology.organisations[0]?.peers[0];
    assert.ok(node);
    process.env.CORE_CHAINCODE_KEEPALIVE = '30';
    try {
      new Peer({ fabric: new FabricHome(scratch), layout: new Layout(scratch), topology, supervisor }, node).start();
    } finally {
      delete process.env.CORE_CHAINCODE_KEEPALIVE;
    }
    assert.equal(started.length, 1);
    assert.equal(started[0]?.env.CORE_CHAINCODE_KEEPALIVE, undefined);
    assert.equal(started[0]?.env.FABRIC_CFG_PATH, new Layout(scratch).config, 'the peer reads the core.yaml written above');
  });
});
