import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { common, peer } from '@hyperledger/fabric-protos';
import { parse, stringify } from 'yaml';
import type { OrganisationProfile } from '../connection-profile';
import { connectGateway } from '../gateway/connect';
import { defineFreshSource, defineSourceEndorsedBy } from '../testing/define-source';
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
const islTs = join(projectRoot, 'application', 'src', 'cli', 'main.ts');
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

/** A gateway refusal's message with each peer's own (fabric-gateway puts those in details). */
function gatewayErrorText(err: unknown): string {
  const details = (err as { details?: { mspId?: string; message?: string }[] }).details ?? [];
  return [err instanceof Error ? err.message : String(err), ...details.map((d) => `${d.mspId ?? '?'}: ${d.message ?? ''}`)].join(' | ');
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
  /** When the newcomer's bundle was handed over: the start of its time to a first endorsement. */
  let bundleReadyAt = 0;

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

  /** Runs the isl command line on a member's host (the stake compiler needs no network). */
  const isl = async (name: string, args: readonly string[]): Promise<string> => {
    const host = hosts.get(name);
    assert.ok(host, `no host ${name}`);
    const { stdout } = await host.exec(process.execPath, ['-r', 'ts-node/register/transpile-only', islTs, ...args], {
      env: { ...process.env, TS_NODE_PROJECT: join(projectRoot, 'tsconfig.test.json') },
      timeoutMs: 60_000,
    });
    return stdout;
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

  describe('the next stake epoch includes the newcomer', () => {
    const channel = topology.channel;
    const stakesFile = join(exchange, 'epoch-2.stakes.json');
    const epochFile = join(exchange, 'epoch-2.json');

    it("a member reads every member's stake through its own peer and compiles the epoch: the newcomer has a seat at the floor weight", async () => {
      await member('hospital1', ['stakes', '--out', stakesFile]);
      const { stakes, sequence, previous, activity } = JSON.parse(readFileSync(stakesFile, 'utf8')) as {
        stakes: Record<string, number>;
        sequence: number;
        previous: unknown;
        activity: unknown[];
      };
      // The stake report's figures: no epoch recorded yet, and the use of every study published so far.
      assert.deepEqual([previous, Array.isArray(activity)], [null, true]);
      assert.deepEqual(Object.keys(stakes).sort(), everyone.map((f) => f.mspId).sort());
      assert.equal(stakes[newcomer.mspId], 0, 'the newcomer has published no study yet');
      assert.equal(sequence, 2);
      await isl('hospital1', ['stake', 'compile', '--stakes', stakesFile, '--out', epochFile, '--floor', '1']);
      const epoch = JSON.parse(readFileSync(epochFile, 'utf8')) as {
        policy: string;
        sequence: number;
        report: { previousSequence: unknown; flagged: unknown };
      };
      assert.equal(epoch.sequence, 2);
      assert.deepEqual([epoch.report.previousSequence, epoch.report.flagged], [null, []], 'the first epoch has nothing to compare with: no flags');
      // 4 seats of equal (floor) weight: more than half is any 3 of the 4 members' peers.
      assert.equal(epoch.policy, `OutOf(3, ${everyone.map((f) => `'${f.mspId}.peer'`).join(', ')})`);
    });

    it('each member approves it with its own admin on its own host; it is committed once a majority approved, and recorded', async () => {
      const altered = join(exchange, 'epoch-2.altered.json');
      const text = readFileSync(epochFile, 'utf8');
      writeFileSync(altered, text.replace(/"policy": "OutOf\(3, /, '"policy": "OutOf(2, '));
      await assert.rejects(member('hospital2', ['epoch-approve', '--epoch', altered]), /EPOCH_INVALID: .*its policy is not the one its compiler record names/);
      // A report altered on the way (a flag added or dropped) is refused before anything is approved.
      writeFileSync(altered, text.replace(/"flagged": \[\]/, '"flagged": ["Hospital1MSP"]'));
      await assert.rejects(member('hospital2', ['epoch-approve', '--epoch', altered]), /EPOCH_INVALID: .*its stake report is not the one its figures give/);
      rmSync(altered);

      assert.match(await member('hospital1', ['epoch-approve', '--epoch', epochFile]), /no outliers/);
      await member(newcomer.name, ['epoch-approve', '--epoch', epochFile]);
      await assert.rejects(
        member('hospital1', ['epoch-commit', '--epoch', epochFile]),
        /CHAINCODE_NOT_APPROVED: .* at sequence 2 is approved by 2 of 4 members \(Hospital1MSP, Hospital4MSP\); a majority must approve/,
      );
      await member('hospital2', ['epoch-approve', '--epoch', epochFile]);
      assert.match(
        await member('hospital1', ['epoch-commit', '--epoch', epochFile]),
        /committed sequence 2 in block \d+; recorded the epoch \(transaction [0-9a-f]{64}\)/,
      );
      // The member that had not approved approves the committed definition, so its peer runs it too.
      await member('hospital3', ['epoch-approve', '--epoch', epochFile]);
    });

    it("a transaction endorsed without the newcomer fails validation (ENDORSEMENT_POLICY_FAILURE); with the newcomer's endorsement it is valid", async () => {
      const connection = connectGateway({ org: memberProfile('hospital1', 'Hospital1MSP') });
      try {
        const contract = connection.gateway.getNetwork(channel).getContract(topology.chaincode.name);
        const without = await defineSourceEndorsedBy(contract, channel, topology.chaincode.name, ['Hospital1MSP', 'Hospital2MSP']);
        assert.equal(without.successful, false);
        assert.equal(without.code, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
        const withNewcomer = await defineSourceEndorsedBy(contract, channel, topology.chaincode.name, ['Hospital1MSP', 'Hospital2MSP', newcomer.mspId]);
        assert.equal(withNewcomer.successful, true, `code ${String(withNewcomer.code)}`);
        process.stdout.write(
          `      (from ${newcomer.name}'s bundle to its first endorsement committed valid, transaction ${withNewcomer.transactionId}: ${((Date.now() - bundleReadyAt) / 1000).toFixed(1)} s)\n`,
        );
      } finally {
        connection.close();
      }
    });
  });

  describe('a member leaves: its orderer is removed as a consenter, then its MSP, each by a majority of admins', () => {
    const channel = topology.channel;
    const leaver = founders[1] ?? newcomer;
    const signers = ['hospital3', newcomer.name];
    const at = (name: string, port: number): { host: string; port: number } => ({ host: hosts.get(name)?.address ?? '', port });
    /** Signs on each signer's host and submits on hospital1's: only the update and the signatures pass between hosts. */
    const signAndSubmit = async (update: string): Promise<string[]> => {
      const sigs = signers.map((h) => join(exchange, `${basename(update)}.${h}.sig`));
      const described: string[] = [];
      for (const [i, h] of signers.entries()) {
        described.push(await member(h, ['update-sign', '--update', update, '--out', sigs[i] ?? '']));
      }
      await member('hospital1', ['update-submit', '--update', update, ...sigs.flatMap((f) => ['--signature', f])]);
      return described;
    };

    it('refuses removing an MSP the channel does not have, and a member whose orderer is still a consenter, proposing nothing', async () => {
      const out = join(exchange, 'leave-unknown.update');
      await assert.rejects(
        member('hospital1', ['propose-leave', '--msp-id', 'Hospital9MSP', '--out', out]),
        /MEMBER_NOT_IN_CHANNEL: Hospital9MSP is not a member of channel imaging \(members: Hospital1MSP, Hospital2MSP, Hospital3MSP, Hospital4MSP\)/,
      );
      await assert.rejects(
        member('hospital1', ['propose-leave', '--msp-id', leaver.mspId, '--out', out]),
        /MEMBER_STILL_CONSENTER: Hospital2MSP's orderer 10\.77\.0\.3:7010 is still a Raft consenter: propose-consenter-remove first/,
      );
      assert.equal(existsSync(out), false, 'no update written');
    });

    it("removes its orderer from the consenters (3 of 4 admins, not its own): the others' Raft cluster is 3", async () => {
      const update = join(exchange, 'consenter-remove-hospital2.update');
      assert.match(await member('hospital1', ['propose-consenter-remove', '--msp-id', leaver.mspId, '--out', update]), /removes Hospital2MSP's orderer/);
      await signAndSubmit(update);
      await waitFor(
        "the remaining 3 orderers in one Raft cluster of 3, without hospital2's",
        async () => {
          const metrics = await Promise.all(everyone.filter((f) => f !== leaver).map(async (f) => (await getOperations(at(f.name, 7012), '/metrics')).body));
          return metrics.every(
            (m) => metricValue(m, 'consensus_etcdraft_cluster_size', { channel }) === 3 && metricValue(m, 'consensus_etcdraft_active_nodes', { channel }) === 3,
          );
        },
        { timeoutMs: 120_000 },
      );
      await assert.rejects(
        member('hospital1', ['propose-consenter-remove', '--msp-id', 'Hospital3MSP', '--out', join(exchange, 'too-few.update')]),
        /CONSENTERS_TOO_FEW: removing Hospital3MSP's orderer would leave 2 Raft consenter\(s\)/,
      );
    });

    it("removes its MSP from the channel; its client is refused by the remaining members' peers", async () => {
      const update = join(exchange, 'leave-hospital2.update');
      await member('hospital1', ['propose-leave', '--msp-id', leaver.mspId, '--out', update]);
      const [described] = await signAndSubmit(update);
      assert.match(described ?? '', /removes Application › Hospital2MSP; removes Orderer › Hospital2MSP/);

      // hospital2's own client, through hospital1's peer (TLS still trusts hospital2's CA: the refusal is the channel's).
      const profile = { ...memberProfile(leaver.name, leaver.mspId), peers: memberProfile('hospital1', 'Hospital1MSP').peers };
      const refusal = await waitFor(
        "hospital1's peer to refuse hospital2's client",
        async () => {
          const connection = connectGateway({ org: profile });
          try {
            await connection.gateway.getNetwork(channel).getContract(topology.chaincode.name).evaluateTransaction('GetStake', '');
            return false;
          } catch (err) {
            return gatewayErrorText(err);
          } finally {
            connection.close();
          }
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      assert.match(refusal, /error validating proposal: access denied: channel \[imaging\] creator org unknown, creator is malformed/);

      // Its admin, on its own host, can no longer read the channel from a remaining member's orderer.
      const h2 = hosts.get(leaver.name);
      assert.ok(h2);
      const ids = join(homeOf(leaver.name), 'orgs', leaver.name, 'identities', 'admin');
      await assert.rejects(
        h2.exec(
          fabric.bin('peer'),
          [
            'channel',
            'fetch',
            'config',
            join(root, 'leaver-config.block'),
            '-c',
            channel,
            '-o',
            `${hosts.get('hospital1')?.address ?? ''}:7010`,
            '--tls',
            '--cafile',
            join(homeOf(leaver.name), 'channel', 'members', 'Hospital1MSP', 'msp', 'tlscacerts', 'ca.pem'),
            '--clientauth',
            '--certfile',
            join(ids, 'tls', 'cert.pem'),
            '--keyfile',
            join(ids, 'tls', 'key.pem'),
          ],
          {
            env: {
              PATH: process.env.PATH ?? '',
              FABRIC_CFG_PATH: join(homeOf(leaver.name), 'config'),
              CORE_PEER_LOCALMSPID: leaver.mspId,
              CORE_PEER_MSPCONFIGPATH: join(ids, 'msp'),
            },
            timeoutMs: 60_000,
          },
        ),
        /can't read the block: &\{FORBIDDEN\}/,
      );
      assert.equal(existsSync(join(root, 'leaver-config.block')), false);
    });
  });

  describe("a compromised identity of a member is revoked: its CA's CRL goes into its MSP in the channel", () => {
    const channel = topology.channel;
    const ids = join(homeOf('hospital3'), 'orgs', 'hospital3', 'identities');
    /** hospital3's image source signs (TLS is its client's: the refusal must come from the channel's MSP, not the handshake). */
    const asImageSource = (): { certificate: string; privateKey: string } => ({
      certificate: readFileSync(join(ids, 'image-source', 'msp', 'signcerts', 'cert.pem'), 'utf8'),
      privateKey: readFileSync(join(ids, 'image-source', 'msp', 'keystore', 'key.pem'), 'utf8'),
    });
    const evaluate = async (signer?: { certificate: string; privateKey: string }): Promise<string> => {
      const connection = connectGateway({ org: memberProfile('hospital3', 'Hospital3MSP'), ...(signer ? { signer } : {}) });
      try {
        const bytes = await connection.gateway.getNetwork(channel).getContract(topology.chaincode.name).evaluateTransaction('GetStake', '');
        return new TextDecoder().decode(bytes);
      } finally {
        connection.close();
      }
    };

    it("refuses a CRL signed by another member's CA, proposing nothing", async () => {
      assert.match(await evaluate(asImageSource()), /^\[/, 'the image source identity evaluates before it is revoked');
      const foreign = join(exchange, 'hospital1.crl.pem');
      await member('hospital1', ['crl', '--out', foreign]);
      const out = join(exchange, 'crl-foreign.update');
      await assert.rejects(
        member('hospital3', ['propose-crl', '--crl', foreign, '--out', out]),
        /CRL_INVALID: .*hospital1\.crl\.pem is not signed by Hospital3MSP's CA: its issuer is ".*ca\.hospital1.*"/,
      );
      assert.equal(existsSync(out), false, 'no update written');
      await assert.rejects(
        member('hospital3', ['identity-revoke', '--id', 'nobody', '--out', join(exchange, 'x.crl.pem')]),
        /IDENTITY_UNKNOWN: hospital3 enrolled no identity "nobody"/,
      );
    });

    it('its CA revokes the image source identity; once the CRL is in its MSP the identity is refused, its client still works', async () => {
      const crl = join(exchange, 'hospital3.crl.pem');
      await member('hospital3', ['identity-revoke', '--id', 'image-source', '--out', crl]);
      const update = join(exchange, 'crl-hospital3.update');
      assert.match(await member('hospital3', ['propose-crl', '--crl', crl, '--out', update]), /puts Hospital3MSP's CRL/);
      // The MSP's values are modified under its own Admins policy: hospital3's admin alone signs (update-submit adds it).
      await member('hospital3', ['update-submit', '--update', update]);
      const refusal = await waitFor(
        "hospital3's peer to refuse the revoked image source identity",
        async () => {
          try {
            await evaluate(asImageSource());
            return false;
          } catch (err) {
            return gatewayErrorText(err);
          }
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      assert.match(refusal, /error validating proposal: access denied: channel \[imaging\] creator org \[Hospital3MSP\]/);
      // The peer tells the caller no more than that; its own log (on hospital3's disk) names the reason.
      assert.match(
        readFileSync(join(homeOf('hospital3'), 'logs', 'peer0.hospital3.log'), 'utf8'),
        /could not validate identity against certification chain: The certificate has been revoked \(certificate subject=CN=image-source,OU=client/,
      );
      assert.match(await evaluate(), /^\[/, "hospital3's client still evaluates");
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
