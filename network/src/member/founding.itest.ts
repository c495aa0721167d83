import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { parse, stringify } from 'yaml';
import type { OrganisationProfile } from '../connection-profile';
import { connectGateway } from '../gateway/connect';
import { defineFreshSource } from '../testing/define-source';
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
import { privateKeyFingerprints, privateKeysInJson } from './private-keys';

const root = join(projectRoot, '.run', 'members-test');
const exchange = join(root, 'exchange');
const homeOf = (name: string): string => join(root, 'homes', name);
const cliTs = join(projectRoot, 'network', 'src', 'member', 'cli.ts');
const founders = [
  { name: 'hospital1', mspId: 'Hospital1MSP', description: 'Northside General Hospital' },
  { name: 'hospital2', mspId: 'Hospital2MSP', description: 'Riverside Imaging Centre' },
  { name: 'hospital3', mspId: 'Hospital3MSP', description: 'Lakeside University Clinic' },
];
/** The hospital that joins the founded consortium. */
const newcomer = { name: 'hospital4', mspId: 'Hospital4MSP', description: "Hillcrest Children's Hospital" };
const everyone = [...founders, newcomer];

/** Stops whatever a member home's supervisor started (this run's or an interrupted one's). */
async function stopHome(home: string): Promise<void> {
  const supervisor = new Supervisor(new Layout(home));
  await Promise.all(supervisor.names().map((n) => supervisor.stop(n)));
}

/** What the gateway needs to act as a member's client through its own first peer (files in the member's home). */
function memberProfile(name: string, mspId: string): OrganisationProfile {
  const ids = join(homeOf(name), 'orgs', name, 'identities');
  const files = (id: string): OrganisationProfile['client'] => ({
    cert: join(ids, id, 'msp', 'signcerts', 'cert.pem'),
    key: join(ids, id, 'msp', 'keystore', 'key.pem'),
    tlsCert: join(ids, id, 'tls', 'cert.pem'),
    tlsKey: join(ids, id, 'tls', 'key.pem'),
  });
  const host = { host: '', port: 0 };
  const config = parse(readFileSync(join(homeOf(name), 'member.yaml'), 'utf8')) as { address: string; basePort: number };
  const caCert = join(homeOf(name), 'orgs', name, 'ca', 'ca-cert.pem');
  return {
    name,
    mspId,
    description: name,
    ca: { url: `https://${config.address}:${String(config.basePort)}`, name: `ca.${name}`, caCert },
    peers: [{ name: `peer0.${name}`, endpoint: { host: config.address, port: config.basePort + 20 }, tlsCaCert: caCert }],
    gateway: host,
    imageSource: host,
    client: files('client'),
    admin: files('admin'),
  };
}

/** A copy of a file beside it (the peer CLI signs in place). */
function copyOf(file: string): string {
  const copy = `${file}.copy`;
  if (!existsSync(copy)) {
    cpSync(file, copy);
  }
  return copy;
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
    for (const f of everyone) {
      await stopHome(homeOf(f.name));
    }
    rmSync(root, { recursive: true, force: true });
    mkdirSync(exchange, { recursive: true });
    for (const h of await network.up(everyone.map((f) => f.name))) {
      hosts.set(h.name, h);
    }
    writeFileSync(
      charterFile,
      stringify({
        format: charterFormat,
        channel: topology.channel,
        orderer: topology.orderer,
        chaincode: topology.chaincode,
        founders: founders.map((f) => f.mspId),
      }),
    );
  });

  after(async () => {
    if (process.env.ISL_KEEP_TEST_NETWORK === '1') {
      return;
    }
    for (const f of everyone) {
      await stopHome(homeOf(f.name));
    }
    await network.down();
  });

  it('inits each member on its own host: its own CA enrols its identities, TLS certificates name only its address', async () => {
    await Promise.all(
      founders.map((f) =>
        member(f.name, ['init', '--name', f.name, '--msp-id', f.mspId, '--description', f.description, '--address', hosts.get(f.name)?.address ?? '']),
      ),
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

  it("starts each member's orderer and peer inside its own namespace, listening only on its address", async () => {
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
        .exec(
          process.execPath,
          [
            '-e',
            `const s=require('node:net').connect(7010,'${address}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(2));s.setTimeout(2000,()=>process.exit(3));`,
          ],
          { timeoutMs: 10_000 },
        )
        .then(
          () => true,
          () => false,
        );
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
      return {
        mspId: f.mspId,
        mspDir: join(dir, 'msp'),
        anchorPeers: [{ host: `10.77.0.${String(i + 2)}`, port: 7020 }],
        orderer: { host: `10.77.0.${String(i + 2)}`, port: 7010 },
        consenterTlsCert: join(dir, 'orderer-tls.pem'),
      };
    });
    const forgedBlock = await writeGenesisBlock(fabric, { dir: forged, channel: topology.channel, members, orderer: topology.orderer });
    await assert.rejects(
      member('hospital2', ['found-join', '--charter', charterFile, '--block', forgedBlock]),
      /GENESIS_MISMATCH: .*Application › Hospital2MSP: value MSP \(config\.root_certs\[0\]\): differs/,
    );

    const slower = await writeGenesisBlock(fabric, {
      dir: join(root, 'slower'),
      channel: topology.channel,
      members: founders.map((f, i) => ({
        ...(members[i] as ChannelMember),
        mspDir: join(material(f.mspId), 'msp'),
        consenterTlsCert: join(material(f.mspId), 'orderer-tls.pem'),
      })),
      orderer: { ...topology.orderer, batchTimeout: '2s' },
    });
    await assert.rejects(member('hospital3', ['found-join', '--charter', charterFile, '--block', slower]), /GENESIS_MISMATCH: .*Orderer: value BatchTimeout/);

    const orderer2 = await getOperations({ host: hosts.get('hospital2')?.address ?? '', port: 7012 }, '/metrics');
    assert.equal(metricValue(orderer2.body, 'consensus_etcdraft_cluster_size', { channel: topology.channel }), undefined, 'hospital2 joined no channel');
  });

  it('each founder verifies the proposed block and joins its own orderer and peer: one Raft cluster, peers gossip across hosts', async () => {
    await Promise.all(founders.map((f) => member(f.name, ['found-join', '--charter', charterFile, '--block', join(exchange, 'genesis.block')])));
    const channel = topology.channel;
    const at = (name: string, port: number): { host: string; port: number } => ({ host: hosts.get(name)?.address ?? '', port });
    await waitFor(
      "one Raft leader among the 3 founders' orderers, each seeing a cluster of 3",
      async () => {
        const metrics = await Promise.all(founders.map(async (f) => (await getOperations(at(f.name, 7012), '/metrics')).body));
        const leaders = metrics.filter((m) => metricValue(m, 'consensus_etcdraft_is_leader', { channel }) === 1).length;
        return (
          leaders === 1 &&
          metrics.every(
            (m) => metricValue(m, 'consensus_etcdraft_cluster_size', { channel }) === 3 && metricValue(m, 'consensus_etcdraft_active_nodes', { channel }) === 3,
          )
        );
      },
      { timeoutMs: 90_000 },
    );
    await waitFor(
      'every peer to have the channel and know the other 2 through gossip on their addresses',
      async () => {
        const metrics = await Promise.all(founders.map(async (f) => (await getOperations(at(f.name, 7022), '/metrics')).body));
        return metrics.every(
          (m) =>
            (metricValue(m, 'ledger_blockchain_height', { channel }) ?? 0) >= 1 &&
            (metricValue(m, 'gossip_membership_total_peers_known', { channel }) ?? 0) >= 2,
        );
      },
      { timeoutMs: 120_000 },
    );
  });

  it('each member installs and approves the chaincode with its own admin; the definition is committed once a majority approved', async () => {
    await member('hospital1', ['chaincode-approve']);
    await assert.rejects(
      member('hospital1', ['chaincode-commit']),
      /CHAINCODE_NOT_APPROVED: .* approved by 1 of 3 members \(Hospital1MSP\); a majority must approve/,
    );
    await member('hospital2', ['chaincode-approve']);
    const committed = await member('hospital2', ['chaincode-commit']);
    assert.match(committed, /committed at sequence 1, endorsement policy \/Channel\/Application\/Endorsement/);
    // A member that approves after the commit approves the committed definition: its peer can then endorse.
    const late = await member('hospital3', ['chaincode-approve']);
    assert.match(late, /approved at sequence 1 with package isl_/);
    for (const f of founders) {
      const supervisor = new Supervisor(new Layout(homeOf(f.name)));
      assert.equal(
        (await ip(['netns', 'identify', String(supervisor.pid(`chaincode.peer0.${f.name}`))])).trim(),
        `islm-${f.name}`,
        `${f.name}'s chaincode server runs on its host`,
      );
    }
  });

  it("a transaction submitted through a member's own peer, signed by its own client identity, commits on every member's peer", async () => {
    const channel = topology.channel;
    const at = (name: string, port: number): { host: string; port: number } => ({ host: hosts.get(name)?.address ?? '', port });
    const heights = async (): Promise<number[]> =>
      Promise.all(
        founders.map(async (f) => metricValue((await getOperations(at(f.name, 7022), '/metrics')).body, 'ledger_blockchain_height', { channel }) ?? 0),
      );
    const connection = connectGateway({ org: memberProfile('hospital3', 'Hospital3MSP') });
    try {
      const contract = connection.gateway.getNetwork(channel).getContract(topology.chaincode.name);
      const { block } = await defineFreshSource(contract, channel, topology.chaincode.name);
      await waitFor(`every member's peer to reach height ${String(Number(block) + 1)}`, async () => (await heights()).every((h) => h >= Number(block) + 1), {
        timeoutMs: 60_000,
      });
    } finally {
      connection.close();
    }
  });

  it('refuses to propose removing a consenter when fewer than 3 would remain, proposing nothing', async () => {
    const out = join(exchange, 'remove-hospital3.update');
    await assert.rejects(
      member('hospital1', ['propose-consenter-remove', '--msp-id', 'Hospital3MSP', '--out', out]),
      /CONSENTERS_TOO_FEW: removing Hospital3MSP's orderer would leave 2 Raft consenter\(s\); the channel keeps at least 3/,
    );
    assert.equal(existsSync(out), false, 'no update written');
  });

  describe('a 4th hospital joins', () => {
    const channel = topology.channel;
    const at = (name: string, port: number): { host: string; port: number } => ({ host: hosts.get(name)?.address ?? '', port });
    const metricsOf = async (name: string, port: number): Promise<string> => (await getOperations(at(name, port), '/metrics')).body;
    const joinUpdate = join(exchange, 'join-hospital4.update');
    const consenterUpdate = join(exchange, 'consenter-hospital4.update');
    let bundleReadyAt = 0;

    it("inits on its own host, holds the founders' bundles and starts; a member proposes admitting it", async () => {
      await member(newcomer.name, [
        'init',
        '--name',
        newcomer.name,
        '--msp-id',
        newcomer.mspId,
        '--description',
        newcomer.description,
        '--address',
        hosts.get(newcomer.name)?.address ?? '',
      ]);
      cpSync(join(homeOf(newcomer.name), 'bundle.json'), join(exchange, `${newcomer.name}.bundle.json`));
      bundleReadyAt = Date.now();
      await member(newcomer.name, ['bundle-import', ...founders.map((f) => join(exchange, `${f.name}.bundle.json`))]);
      await member(newcomer.name, ['start']);
      const proposed = await member('hospital1', ['propose-join', '--bundle', join(exchange, `${newcomer.name}.bundle.json`), '--out', joinUpdate]);
      assert.match(proposed, /proposed: admits Hospital4MSP/);
    });

    it('refuses to propose admitting an MSP ID the channel already has, before anything is written or sent', async () => {
      const out = join(exchange, 'again.update');
      await assert.rejects(
        member('hospital1', ['propose-join', '--bundle', join(exchange, 'hospital2.bundle.json'), '--out', out]),
        /MEMBER_ALREADY_IN_CHANNEL: Hospital2MSP is already a member of channel imaging \(members: Hospital1MSP, Hospital2MSP, Hospital3MSP\)/,
      );
      assert.equal(existsSync(out), false, 'no update written');
    });

    it('the orderer rejects the update signed by the proposer alone: a majority of admins must sign', async () => {
      await assert.rejects(
        member('hospital1', ['update-submit', '--update', joinUpdate]),
        /UPDATE_REFUSED: the orderer refused update [0-9a-f]{16}: got unexpected status: BAD_REQUEST -- error applying config update to existing channel 'imaging': error authorizing update: error validating DeltaSet: policy for \[Group\]  \/Channel\/(Application|Orderer) not satisfied: implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2 of the 'Admins' sub-policies to be satisfied/,
      );
    });

    it('refuses a signature by a non-admin identity of a member before submitting', async () => {
      // Hospital2's client identity (an application's, not an admin's) signs, on hospital2's host.
      const signature = join(exchange, 'join-hospital4.hospital2-client.sig');
      const h2 = hosts.get('hospital2');
      assert.ok(h2);
      const client = join(homeOf('hospital2'), 'orgs', 'hospital2', 'identities', 'client', 'msp');
      await h2.exec(fabric.bin('peer'), ['channel', 'signconfigtx', '-f', copyOf(joinUpdate)], {
        env: {
          PATH: process.env.PATH ?? '',
          FABRIC_CFG_PATH: join(homeOf('hospital2'), 'config'),
          CORE_PEER_LOCALMSPID: 'Hospital2MSP',
          CORE_PEER_MSPCONFIGPATH: client,
        },
      });
      const signed = common.Envelope.deserializeBinary(readFileSync(copyOf(joinUpdate)));
      const added = common.ConfigUpdateEnvelope.deserializeBinary(
        common.Payload.deserializeBinary(signed.getPayload_asU8()).getData_asU8(),
      ).getSignaturesList()[0];
      assert.ok(added, 'signconfigtx added a signature');
      writeFileSync(signature, added.serializeBinary());
      await assert.rejects(
        member('hospital1', ['update-submit', '--update', joinUpdate, '--signature', signature]),
        /SIGNATURE_NOT_ADMIN: .*signed by Hospital2MSP identity "CN=client" with role [a-z0-9,.]*client[a-z0-9,.]*, not an admin/,
      );
    });

    it('a second admin signs on its own host and the update admitting it is submitted; then its orderer is added as a consenter, which 3 of the 4 admins sign', async () => {
      const h2sig = join(exchange, 'join-hospital4.hospital2.sig');
      const signed = await member('hospital2', ['update-sign', '--update', joinUpdate, '--out', h2sig]);
      assert.match(signed, /adds Application › Hospital4MSP; adds Orderer › Hospital4MSP/);
      await member('hospital1', ['update-submit', '--update', joinUpdate, '--signature', h2sig]);

      // The channel has 4 members now: a majority is 3 admins (the proposer's and two more).
      await member('hospital1', ['propose-consenter-add', '--msp-id', newcomer.mspId, '--out', consenterUpdate]);
      const sigs = ['hospital2', 'hospital3'].map((h) => join(exchange, `consenter-hospital4.${h}.sig`));
      for (const [i, h] of ['hospital2', 'hospital3'].entries()) {
        assert.match(await member(h, ['update-sign', '--update', consenterUpdate, '--out', sigs[i] ?? '']), /sets Orderer: value ConsensusType/);
      }
      await assert.rejects(
        member('hospital1', ['update-submit', '--update', consenterUpdate, '--signature', sigs[0] ?? '']),
        /2 sub-policies were satisfied, but this policy requires 3 of the 'Admins' sub-policies/,
      );
      await member('hospital1', ['update-submit', '--update', consenterUpdate, ...sigs.flatMap((f) => ['--signature', f])]);
    });

    it("joins its orderer (latest config block) and peer (genesis block): the orderer becomes a consenter, the peer reaches the others' height", async () => {
      await member(newcomer.name, ['join', '--charter', charterFile]);
      await waitFor(
        'all 4 orderers in one Raft cluster of 4, all active',
        async () => {
          const metrics = await Promise.all(everyone.map((f) => metricsOf(f.name, 7012)));
          return metrics.every(
            (m) => metricValue(m, 'consensus_etcdraft_cluster_size', { channel }) === 4 && metricValue(m, 'consensus_etcdraft_active_nodes', { channel }) === 4,
          );
        },
        { timeoutMs: 120_000 },
      );
      await waitFor(
        `${newcomer.name}'s peer to have its first block`,
        async () => (metricValue(await metricsOf(newcomer.name, 7022), 'ledger_blockchain_height', { channel }) ?? 0) >= 1,
        { timeoutMs: 120_000 },
      );
      process.stdout.write(`      (from ${newcomer.name}'s bundle to its peer's first block: ${((Date.now() - bundleReadyAt) / 1000).toFixed(1)} s)\n`);
      await waitFor(
        'every peer at the same height',
        async () => {
          const heights = await Promise.all(
            everyone.map(async (f) => metricValue(await metricsOf(f.name, 7022), 'ledger_blockchain_height', { channel }) ?? 0),
          );
          return heights.every((h) => h === heights[0]);
        },
        { timeoutMs: 120_000 },
      );
    });

    it('installs and approves the committed chaincode definition; a transaction through its own peer commits on every peer', async () => {
      assert.match(await member(newcomer.name, ['chaincode-approve']), /approved at sequence 1 with package isl_/);
      const heights = async (): Promise<number[]> =>
        Promise.all(everyone.map(async (f) => metricValue(await metricsOf(f.name, 7022), 'ledger_blockchain_height', { channel }) ?? 0));
      const connection = connectGateway({ org: memberProfile(newcomer.name, newcomer.mspId) });
      try {
        const { block } = await defineFreshSource(
          connection.gateway.getNetwork(channel).getContract(topology.chaincode.name),
          channel,
          topology.chaincode.name,
        );
        await waitFor(`every peer to reach height ${String(Number(block) + 1)}`, async () => (await heights()).every((h) => h >= Number(block) + 1), {
          timeoutMs: 60_000,
        });
      } finally {
        connection.close();
      }
    });
  });

  // Mocha runs a suite's own tests before its nested suites: this one goes last, after the join.
  describe('afterwards', () => {
    it("no home holds another member's private key (scanned)", () => {
      const keys = everyone.map((f) => ({ name: f.name, keys: privateKeyFingerprints(homeOf(f.name)) }));
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
});
