import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../fabric-home';
import { loadTopology } from '../topology/topology';
import { composeYaml, FABRIC_IMAGE_TAG, FABRIC_CA_IMAGE_TAG } from './compose';

interface ComposeService {
  image?: string;
  environment: Record<string, string>;
  ports: string[];
  labels: Record<string, string>;
}

describe('docker-compose.yaml', () => {
  const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'));
  const committed = readFileSync(join(projectRoot, 'docker-compose.yaml'), 'utf8');
  const services = (parse(committed) as { services: Record<string, ComposeService> }).services;
  const byRole = (role: string): [string, ComposeService][] => Object.entries(services).filter(([, s]) => s.labels['isl.role'] === role);

  it('is what the generator makes from the topology (run `npm run compose` after changing it)', () => {
    assert.equal(committed, composeYaml(topology));
  });

  it("has the topology's organisations, each with its CA, one consenting orderer and its peers", () => {
    const orgs = topology.organisations.map((o) => o.mspId).sort();
    assert.deepEqual([...new Set(Object.values(services).map((s) => s.labels['isl.org']))].sort(), orgs);
    assert.deepEqual(
      byRole('ca')
        .map(([n]) => n)
        .sort(),
      topology.organisations.map((o) => o.ca.name).sort(),
    );
    const orderers = byRole('orderer');
    assert.equal(orderers.length, topology.organisations.length);
    assert.ok(orderers.every(([, s]) => s.labels['isl.consenter'] === 'true'));
    assert.deepEqual(
      byRole('peer')
        .map(([n]) => n)
        .sort(),
      topology.organisations.flatMap((o) => o.peers.map((p) => p.name)).sort(),
    );
    assert.equal(byRole('chaincode').length, byRole('peer').length);
  });

  it('publishes the same ports as the local network', () => {
    for (const org of topology.organisations) {
      const o = services[org.orderer.name];
      assert.ok(o);
      assert.deepEqual(
        o.ports,
        [org.orderer.endpoint, org.orderer.admin, org.orderer.operations].map((e) => `${String(e.port)}:${String(e.port)}`),
      );
      assert.equal(o.environment.ORDERER_GENERAL_LISTENPORT, String(org.orderer.endpoint.port));
      for (const p of org.peers) {
        const s = services[p.name];
        assert.ok(s);
        assert.ok(s.ports.includes(`${String(p.endpoint.port)}:${String(p.endpoint.port)}`));
      }
    }
  });

  it('uses the official images of the pinned releases, with mutual TLS on', () => {
    for (const [, s] of [...byRole('orderer'), ...byRole('peer')]) {
      assert.match(s.image ?? '', new RegExp(`^hyperledger/fabric-(orderer|peer):${FABRIC_IMAGE_TAG}$`));
    }
    for (const [, s] of byRole('ca')) {
      assert.equal(s.image, `hyperledger/fabric-ca:${FABRIC_CA_IMAGE_TAG}`);
    }
    for (const [, s] of byRole('orderer')) {
      assert.equal(s.environment.ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED, 'true');
      assert.equal(s.environment.ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED, 'true');
    }
    for (const [, s] of byRole('peer')) {
      assert.equal(s.environment.CORE_PEER_TLS_CLIENTAUTHREQUIRED, 'true');
    }
  });

  it("is valid for docker-compose (Debian's docker-compose config)", () => {
    const env: Record<string, string> = { ...process.env, ISL_CA_REGISTRAR_SECRET: 'x' };
    for (const org of topology.organisations) {
      env[`ISL_PACKAGE_ID_${org.name.toUpperCase()}`] = `${topology.chaincode.name}_${topology.chaincode.version}:0`;
    }
    execFileSync('docker-compose', ['-f', join(projectRoot, 'docker-compose.yaml'), 'config', '-q'], { env, stdio: 'pipe' });
  });
});
