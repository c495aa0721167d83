import { strict as assert } from 'node:assert';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeGenesisBlock } from '../channel/genesis';
import type { ChannelMember } from '../config/configtx';
import { FabricHome, projectRoot } from '../fabric-home';
import { HostNetwork } from '../hosts/host-network';
import type { Host } from '../hosts/host';
import { ip } from '../hosts/ip';
import { Layout } from '../layout';
import { getOperations, metricValue } from '../node/operations';
import { Supervisor } from '../process/supervisor';
import { waitFor } from '../process/wait';
import { loadTopology } from '../topology/topology';
import { parseBundle } from './bundle';
import { charterFormat } from './charter';
import { privateKeysInJson } from './private-keys';

const root = join(projectRoot, '.run', 'members-test');
const exchange = join(root, 'exchange');
const homeOf = (name: string): string => join(root, 'homes', name);
const cliTs = join(projectRoot, 'network', 'src', 'member', 'cli.ts');
const founders = [
  { name: 'hospital1', mspId: 'Hospital1MSP', description: 'Northside General Hospital' },
  { name: 'hospital2', mspId: 'Hospital2MSP', description: 'Riverside Imaging Centre' },
  { name: 'hospital3', mspId: 'Hospital3MSP', description: 'Lakeside University Clinic' },
];

/** Stops whatever a member home's supervisor started (this run's or an interrupted one's). */
async function stopHome(home: string): Promise<void> {
  const supervisor = new Supervisor(new Layout(home));
  await Promise.all(supervisor.names().map((n) => supervisor.stop(n)));
}

/** The SHA-256 of the key's public half; of the PEM itself for keys OpenSSL cannot read (Fabric CA's Idemix revocation key). */
function keyFingerprint(pem: string): string {
  try {
    return createHash('sha256').update(createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' })).digest('hex');
  } catch {
    return `pem:${createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex')}`;
  }
}

/** Every private key found in a folder's files, as the SHA-256 of its public key (never the key itself). */
function privateKeyFingerprints(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile() && statSync(path).size < 1024 * 1024) {
        const text = readFileSync(path, 'latin1');
        for (const m of text.matchAll(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g)) {
          found.add(keyFingerprint(m[0]));
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe('founding the consortium: 3 members, each on its own host with its own home and keys', function () {
  this.timeout(600_000);
  const fabric = FabricHome.locate();
  const network = new HostNetwork({ prefix: 'islm', subnet: '10.77.0' });
  const hosts = new Map<string, Host>();
  const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'));
  const charterFile = join(exchange, 'charter.yaml');

  /** Runs the member command on the member's host, as its operator would (docs/deployment.md). */
  const member = async (name: string, args: readonly string[]): Promise<string> => {
    const host = hosts.get(name);
    assert.ok(host, `no host ${name}`);
    const { stderr } = await host.exec(process.execPath, ['-r', 'ts-node/register/transpile-only', cliTs, ...args, '--home', homeOf(name)], {
      env: { ...process.env, TS_NODE_PROJECT: join(projectRoot, 'tsconfig.test.json'), ISL_FABRIC_HOME: fabric.root },
      timeoutMs: 240_000,
    });
    return stderr;
  };

  before(async () => {
    for (const f of founders) {
      await stopHome(homeOf(f.name));
    }
    rmSync(root, { recursive: true, force: true });
    mkdirSync(exchange, { recursive: true });
    for (const h of await network.up(founders.map((f) => f.name))) {
      hosts.set(h.name, h);
    }
    writeFileSync(charterFile, stringify({ format: charterFormat, channel: topology.channel, orderer: topology.orderer, founders: founders.map((f) => f.mspId) }));
  });

  after(async () => {
    if (process.env.ISL_KEEP_TEST_NETWORK === '1') {
      return;
    }
    for (const f of founders) {
      await stopHome(homeOf(f.name));
    }
    await network.down();
  });

  it('inits each member on its own host: its own CA enrols its identities, TLS certificates name only its address', async () => {
    await Promise.all(
      founders.map((f) => member(f.name, ['init', '--name', f.name, '--msp-id', f.mspId, '--description', f.description, '--address', hosts.get(f.name)?.address ?? ''])),
    );
    for (const f of founders) {
      const address = hosts.get(f.name)?.address;
      const ordererTls = new X509Certificate(readFileSync(join(homeOf(f.name), 'orgs', f.name, 'identities', `orderer.${f.name}`, 'tls', 'cert.pem')));
      assert.equal(ordererTls.subjectAltName, `IP Address:${String(address)}`);
      for (const id of ['admin', 'client', 'image-source', 'peer0.' + f.name]) {
        assert.ok(existsSync(join(homeOf(f.name), 'orgs', f.name, 'identities', id, 'msp', 'keystore', 'key.pem')), `${f.name} enrolled ${id}`);
      }
      cpSync(join(homeOf(f.name), 'bundle.json'), join(exchange, `${f.name}.bundle.json`));
    }
  });

  it('exports bundles without any private key; importing one that carries a key is refused and changes nothing', async () => {
    for (const f of founders) {
      const text = readFileSync(join(exchange, `${f.name}.bundle.json`), 'utf8');
      assert.deepEqual(privateKeysInJson(JSON.parse(text)), []);
      assert.equal(parseBundle(text, f.name).mspId, f.mspId);
    }
    const leaky = JSON.parse(readFileSync(join(exchange, 'hospital2.bundle.json'), 'utf8')) as Record<string, unknown>;
    leaky.adminKey = readFileSync(join(homeOf('hospital2'), 'orgs', 'hospital2', 'identities', 'admin', 'msp', 'keystore', 'key.pem'), 'utf8');
    writeFileSync(join(exchange, 'leaky.bundle.json'), JSON.stringify(leaky));
    await assert.rejects(member('hospital1', ['bundle-import', join(exchange, 'leaky.bundle.json')]), /BUNDLE_PRIVATE_KEY: .*PRIVATE KEY.*\$\.adminKey/);
    assert.equal(existsSync(join(homeOf('hospital1'), 'bundles', 'Hospital2MSP.json')), false, 'nothing imported');
    rmSync(join(exchange, 'leaky.bundle.json'));

    for (const f of founders) {
      const others = founders.filter((o) => o.name !== f.name).map((o) => join(exchange, `${o.name}.bundle.json`));
      await member(f.name, ['bundle-import', ...others]);
    }
  });

  it('starts each member\'s orderer and peer inside its own namespace, listening only on its address', async () => {
    await Promise.all(founders.map((f) => member(f.name, ['start'])));
    for (const f of founders) {
      const supervisor = new Supervisor(new Layout(homeOf(f.name)));
      for (const name of supervisor.names()) {
        const pid = supervisor.pid(name);
        assert.equal((await ip(['netns', 'identify', String(pid)])).trim(), `islm-${f.name}`, `${name} runs on ${f.name}'s host`);
      }
    }
    const h1 = hosts.get('hospital1');
    assert.ok(h1);
    const probe = (address: string): Promise<boolean> =>
      h1
        .exec(process.execPath, ['-e', `const s=require('node:net').connect(7010,'${address}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(2));s.setTimeout(2000,()=>process.exit(3));`], { timeoutMs: 10_000 })
        .then(() => true, () => false);
    assert.equal(await probe(h1.address), true, 'the orderer answers on its address');
    assert.equal(await probe('127.0.0.1'), false, 'and not on loopback, even on its own host');
  });

  it('refuses a genesis block that does not match the bundles, naming what differs, and joins nothing', async () => {
    await member('hospital1', ['found-propose', '--charter', charterFile, '--out', join(exchange, 'genesis.block')]);
    // hospital1 slips its own root CA in place of hospital2's: it could then mint hospital2 identities.
    const material = (mspId: string): string => join(homeOf('hospital1'), 'channel', 'members', mspId);
    const forged = join(root, 'forged');
    cpSync(material('Hospital2MSP'), join(forged, 'Hospital2MSP'), { recursive: true });
    cpSync(join(material('Hospital1MSP'), 'msp', 'cacerts', 'ca.pem'), join(forged, 'Hospital2MSP', 'msp', 'cacerts', 'ca.pem'));
    const members: ChannelMember[] = founders.map((f, i) => {
      const dir = f.mspId === 'Hospital2MSP' ? join(forged, 'Hospital2MSP') : material(f.mspId);
      return { mspId: f.mspId, mspDir: join(dir, 'msp'), anchorPeers: [{ host: `10.77.0.${String(i + 2)}`, port: 7020 }], orderer: { host: `10.77.0.${String(i + 2)}`, port: 7010 }, consenterTlsCert: join(dir, 'orderer-tls.pem') };
    });
    const forgedBlock = await writeGenesisBlock(fabric, { dir: forged, channel: topology.channel, members, orderer: topology.orderer });
    await assert.rejects(member('hospital2', ['found-join', '--charter', charterFile, '--block', forgedBlock]), /GENESIS_MISMATCH: .*Application › Hospital2MSP: value MSP \(config\.root_certs\[0\]\): differs/);

    const slower = await writeGenesisBlock(fabric, { dir: join(root, 'slower'), channel: topology.channel, members: founders.map((f, i) => ({ ...(members[i] as ChannelMember), mspDir: join(material(f.mspId), 'msp'), consenterTlsCert: join(material(f.mspId), 'orderer-tls.pem') })), orderer: { ...topology.orderer, batchTimeout: '2s' } });
    await assert.rejects(member('hospital3', ['found-join', '--charter', charterFile, '--block', slower]), /GENESIS_MISMATCH: .*Orderer: value BatchTimeout/);

    const orderer2 = await getOperations({ host: hosts.get('hospital2')?.address ?? '', port: 7012 }, '/metrics');
    assert.equal(metricValue(orderer2.body, 'consensus_etcdraft_cluster_size', { channel: topology.channel }), undefined, 'hospital2 joined no channel');
  });

  it('each founder verifies the proposed block and joins its own orderer and peer: one Raft cluster, peers gossip across hosts', async () => {
    await Promise.all(founders.map((f) => member(f.name, ['found-join', '--charter', charterFile, '--block', join(exchange, 'genesis.block')])));
    const channel = topology.channel;
    const at = (name: string, port: number): { host: string; port: number } => ({ host: hosts.get(name)?.address ?? '', port });
    await waitFor('one Raft leader among the 3 founders\' orderers, each seeing a cluster of 3', async () => {
      const metrics = await Promise.all(founders.map(async (f) => (await getOperations(at(f.name, 7012), '/metrics')).body));
      const leaders = metrics.filter((m) => metricValue(m, 'consensus_etcdraft_is_leader', { channel }) === 1).length;
      return leaders === 1 && metrics.every((m) => metricValue(m, 'consensus_etcdraft_cluster_size', { channel }) === 3 && metricValue(m, 'consensus_etcdraft_active_nodes', { channel }) === 3);
    }, { timeoutMs: 90_000 });
    await waitFor('every peer to have the channel and know the other 2 through gossip on their addresses', async () => {
      const metrics = await Promise.all(founders.map(async (f) => (await getOperations(at(f.name, 7022), '/metrics')).body));
      return metrics.every((m) => (metricValue(m, 'ledger_blockchain_height', { channel }) ?? 0) >= 1 && (metricValue(m, 'gossip_membership_total_peers_known', { channel }) ?? 0) >= 2);
    }, { timeoutMs: 120_000 });
  });

  it('no home holds another member\'s private key (scanned)', () => {
    const keys = founders.map((f) => ({ name: f.name, keys: privateKeyFingerprints(homeOf(f.name)) }));
    for (const { name, keys: own } of keys) {
      assert.ok(own.size >= 8, `${name}'s home holds its own keys (${String(own.size)})`);
      for (const other of keys.filter((k) => k.name !== name)) {
        const shared = [...own].filter((k) => other.keys.has(k));
        assert.deepEqual(shared, [], `${name}'s home holds ${String(shared.length)} private key(s) of ${other.name}`);
      }
    }
    assert.equal(privateKeyFingerprints(exchange).size, 0, 'nothing that passed between hosts holds a private key');
  });
});
