import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../fabric-home';
import { createServer } from 'node:net';
import { address, allPeers, expandTopology, parseTopology } from './topology';
import { assertPortsFree } from './ports';

const text = readFileSync(join(projectRoot, 'test-network-config', 'topology.yaml'), 'utf8');

describe('topology', () => {
  it('describes at least 3 organisations, each with a CA, an orderer and a peer, one with two peers', () => {
    const t = expandTopology(parseTopology(text, 'topology.yaml'));
    assert.ok(t.organisations.length >= 3);
    assert.ok(t.organisations.some((o) => o.peers.length === 2));
    assert.equal(new Set(t.organisations.map((o) => o.orderer.name)).size, t.organisations.length);
  });

  it('gives every node distinct ports, shifted as a block by the base port', () => {
    const ports = (basePort: number): number[] => {
      const t = expandTopology(parseTopology(text, 'topology.yaml'), basePort);
      return t.organisations.flatMap((o) => [
        o.ca.endpoint.port,
        o.ca.operations.port,
        o.orderer.endpoint.port,
        o.orderer.admin.port,
        o.orderer.operations.port,
        o.gateway.port,
        o.imageSource.port,
        o.orthancHttp.port,
        o.orthancDicom.port,
        ...o.peers.flatMap((p) => [p.endpoint.port, p.chaincodeCallback.port, p.operations.port, p.chaincodeServer.port]),
      ]);
    };
    const a = ports(7000);
    assert.equal(new Set(a).size, a.length);
    const b = ports(17000);
    assert.deepEqual(
      b,
      a.map((p) => p + 10000),
    );
  });

  it('binds to loopback only', () => {
    const t = expandTopology(parseTopology(text, 'topology.yaml'));
    assert.ok(allPeers(t).every((p) => address(p.endpoint).startsWith('127.0.0.1:')));
  });

  it('rejects a topology with fewer than 3 organisations, naming the problem', () => {
    const two = text.replace(/  - name: hospital3[\s\S]*$/, '');
    assert.throws(() => parseTopology(two, 'two.yaml'), /at least 3 organisations/);
  });

  it('rejects unknown keys', () => {
    assert.throws(() => parseTopology(`${text}\nextra: 1\n`, 'x.yaml'), /extra/);
  });
});

describe('ports', () => {
  it('names the node whose port another process holds', async () => {
    // A block of ports nobody holds now (other test networks may run on this machine), then one squatted.
    let base: number | undefined;
    for (let b = 18_000; b <= 32_000 && base === undefined; b += 500) {
      base = await assertPortsFree(expandTopology(parseTopology(text, 'topology.yaml'), b)).then(
        () => b,
        () => undefined,
      );
    }
    assert.ok(base !== undefined, 'no free block of ports between 18000 and 32000');
    const t = expandTopology(parseTopology(text, 'topology.yaml'), base);
    const port = base + 110;
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      await assert.rejects(assertPortsFree(t), new RegExp(`127\\.0\\.0\\.1:${String(port)} \\(orderer\\.hospital2\\)`));
    } finally {
      squatter.close();
    }
    await assertPortsFree(t);
  });
});

describe('base port', () => {
  it('refuses one whose ports would reach the ephemeral range', () => {
    assert.throws(() => expandTopology(parseTopology(text, 'topology.yaml'), 37000), /ephemeral/);
  });
});
