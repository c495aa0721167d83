import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { getTestConsortium, testNetwork, type OrgConnection } from './testing/test-network';
import { defineFreshSource } from './testing/define-source';
import { waitFor } from './process/wait';
import { getOperations } from './node/operations';
import { FABRIC_CA_IMAGE_TAG, FABRIC_IMAGE_TAG } from './compose/compose';
import { httpsGet } from './node/https-get';
import { privateKeyFingerprints, privateKeysInText } from './member/private-keys';

describe('the consortium network (real Fabric: CAs, Raft orderers, peers, mutual TLS)', function () {
  this.timeout(180_000);
  const connections: OrgConnection[] = [];
  after(() => {
    connections.forEach((c) => {
      c.close();
    });
  });
  const as = async (mspId: string): Promise<OrgConnection> => {
    const c = await testNetwork().connect(mspId);
    connections.push(c);
    return c;
  };

  it('runs 3 orderers in one Raft cluster with exactly one leader, every peer at one height, the chaincode committed', async () => {
    const status = await getTestConsortium().status();
    assert.equal(status.orderers.length, 3);
    assert.ok(
      status.orderers.every((o) => o.consenter),
      'every orderer is a consenter',
    );
    assert.equal(status.orderers.filter((o) => o.leader).length, 1, 'exactly one Raft leader');
    const heights = new Set(status.peers.map((p) => p.height));
    assert.equal(heights.size, 1, `peers disagree on height: ${JSON.stringify(status.peers)}`);
    assert.ok(status.peers.length >= 4);
    assert.equal(status.chaincode.name, testNetwork().chaincodeName);
    assert.ok((status.chaincode.sequence ?? 0) >= 1, 'chaincode definition committed');
  });

  it("is built by its members' own steps: each organisation's home holds its own private keys and no other's; nothing they exchanged holds one", () => {
    const c = getTestConsortium();
    const profile = c.connectionProfile();
    const homes = c.topology.organisations.map((o) => ({ name: o.name, keys: privateKeyFingerprints(c.home(o.name).root) }));
    for (const { name, keys } of homes) {
      // CA, orderer, peers, admin, client, gateway, image source, chaincode servers: each with a signing and a TLS key.
      assert.ok(keys.size >= 8, `${name}'s home holds its own keys (${String(keys.size)})`);
      const admin = profile.organisations.find((o) => o.name === name)?.admin.key ?? '';
      assert.ok(admin.startsWith(c.home(name).root), `${name}'s admin key is in its own home (${admin})`);
      assert.ok(
        [...privateKeyFingerprints(join(admin, '..'))].every((k) => keys.has(k)),
        `${name}'s scan finds its admin's key`,
      );
      for (const other of homes.filter((h) => h.name !== name)) {
        assert.deepEqual(
          [...keys].filter((k) => other.keys.has(k)),
          [],
          `${name}'s home holds a private key of ${other.name}`,
        );
      }
    }
    // Outside the homes, the run folder holds what members exchanged and the consortium's records: no private key.
    const root = c.layout.root;
    for (const entry of readdirSync(root).filter((e) => e !== 'members')) {
      const path = join(root, entry);
      const found = statSync(path).isDirectory() ? privateKeyFingerprints(path).size : privateKeysInText(readFileSync(path, 'latin1')).length;
      assert.equal(found, 0, `${path} holds a private key`);
    }
    assert.deepEqual(
      readdirSync(join(root, 'exchange', 'bundles')).sort(),
      profile.organisations.map((o) => `${o.mspId}.json`).sort(),
      'every member sent its bundle',
    );
  });

  it('runs the pinned Fabric release on every peer and orderer, and the pinned Fabric CA on every CA', async () => {
    const c = getTestConsortium();
    const nodes = [...[...c.peers.values()].map((p) => p.node), ...c.orderers.map((o) => o.node)];
    for (const node of nodes) {
      const { status, body } = await getOperations(node.operations, '/version');
      assert.equal(status, 200, node.name);
      assert.equal((JSON.parse(body) as { Version?: unknown }).Version, FABRIC_IMAGE_TAG, node.name);
    }
    for (const ca of c.members.map((m) => m.ca)) {
      const info = JSON.parse((await httpsGet(`${ca.url}/cainfo`, readFileSync(ca.caCert))).body) as { result?: unknown };
      assert.equal((info.result as { Version?: unknown } | undefined)?.Version, FABRIC_CA_IMAGE_TAG, ca.name);
    }
  });

  it('commits a transaction submitted by each organisation, visible to the others and on every peer', async () => {
    const { organisations, channelName, chaincodeName } = testNetwork();
    let last = 0n;
    for (const mspId of organisations) {
      const { contract } = await as(mspId);
      const { sourceId, block } = await defineFreshSource(contract, channelName, chaincodeName);
      last = block;
      const reader = await as(organisations.find((o) => o !== mspId) ?? mspId);
      const source = JSON.parse(new TextDecoder().decode(await reader.contract.evaluateTransaction('GetSource', sourceId))) as {
        relayer?: string;
        mspId?: string;
      };
      assert.ok(JSON.stringify(source).includes(mspId), `GetSource from another organisation names the relaying ${mspId}`);
    }
    const height = await getTestConsortium().waitForSameHeight(60_000, Number(last) + 1);
    assert.ok(height >= Number(last) + 1);
  });

  it('refuses a client that presents no TLS certificate (mutual TLS)', async () => {
    const profile = getTestConsortium().connectionProfile();
    const org = profile.organisations[0];
    assert.ok(org?.peers[0]);
    const client = new grpc.Client(
      `${org.peers[0].endpoint.host}:${String(org.peers[0].endpoint.port)}`,
      grpc.credentials.createSsl(readFileSync(org.peers[0].tlsCaCert)),
      {
        'grpc.ssl_target_name_override': 'localhost',
      },
    );
    const gateway = connect({
      client,
      identity: { mspId: org.mspId, credentials: readFileSync(org.client.cert) },
      signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(org.client.key))),
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
    });
    try {
      const contract = gateway.getNetwork(testNetwork().channelName).getContract(testNetwork().chaincodeName);
      await assert.rejects(contract.evaluateTransaction('ListSources'), (err: Error & { code?: number }) => {
        assert.ok(err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED, `got ${String(err.code)}: ${err.message}`);
        return true;
      });
    } finally {
      gateway.close();
      client.close();
    }
  });

  it('elects a new Raft leader when the leader is SIGKILLed, keeps committing on every peer, and the old leader catches up', async () => {
    const c = getTestConsortium();
    const { channelName, chaincodeName, organisations } = testNetwork();
    const leader = await c.waitForLeader();
    await c.supervisor.kill(leader.node.name);
    const successor = await c.waitForLeader(60_000);
    assert.notEqual(successor.node.name, leader.node.name);
    const org = organisations.find((m) => m !== leader.node.mspId) ?? organisations[0];
    assert.ok(org);
    const { contract } = await as(org);
    const { block } = await defineFreshSource(contract, channelName, chaincodeName);
    await c.waitForSameHeight(60_000, Number(block) + 1);
    await c.restartNode(leader.node.name);
    const target = (await successor.channelInfo(channelName)).height;
    await waitFor(`${leader.node.name} to catch up to height ${String(target)}`, async () => (await leader.channelInfo(channelName)).height >= target, {
      timeoutMs: 60_000,
    });
  });

  it('lets a SIGKILLed peer catch up after restart', async () => {
    const c = getTestConsortium();
    const { channelName, chaincodeName, organisations } = testNetwork();
    // The second peer of the organisation that runs two: its gateway stays on the first.
    const victim = [...c.peers.values()].find((p) => p.node.name.startsWith('peer1.'));
    assert.ok(victim, 'the topology has an organisation with two peers');
    await c.supervisor.kill(victim.node.name);
    const org = organisations.find((m) => m !== victim.node.mspId) ?? organisations[0];
    assert.ok(org);
    const { contract } = await as(org);
    const { block } = await defineFreshSource(contract, channelName, chaincodeName);
    assert.ok(((await victim.height(channelName).catch(() => undefined)) ?? 0) <= Number(block), 'the stopped peer cannot have the new block');
    await c.restartNode(victim.node.name);
    const height = await c.waitForSameHeight(90_000, Number(block) + 1);
    assert.equal(await victim.height(channelName), height);
  });
});
