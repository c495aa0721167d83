import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { FabricHome, projectRoot } from '../fabric-home';
import { Layout } from '../layout';
import { charterFormat } from '../member/charter';
import { Supervisor } from '../process/supervisor';
import { run } from '../process/run';
import { NetworkState } from '../state';
import { FABRIC_CA_IMAGE_TAG, FABRIC_IMAGE_TAG } from './compose';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  user?: string;
  environment: Record<string, string>;
  ports: string[];
  volumes: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  labels: Record<string, string>;
}

const basePort = Number.parseInt(process.env.ISL_TEST_BASE_PORT ?? '17000', 10) + 900;
const root = join(projectRoot, '.run', `member-compose-${String(basePort)}`);
const cliTs = join(projectRoot, 'network', 'src', 'member', 'cli.ts');
/** Two members on their own loopback addresses (no namespaces needed: only their CAs run, to enrol). */
const hospital1 = { name: 'hospital1', mspId: 'Hospital1MSP', address: '127.0.13.1', home: join(root, 'hospital1') };
const hospital2 = { name: 'hospital2', mspId: 'Hospital2MSP', address: '127.0.13.2', home: join(root, 'hospital2') };

/** Under `dir` (or `dir` itself)? */
const inside = (dir: string, path: string): boolean => {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

describe("a member's own docker-compose.yaml, generated from its real home", function () {
  this.timeout(180_000);
  const fabric = FabricHome.locate();
  const file = join(hospital1.home, 'docker-compose.yaml');
  /** docker-compose config's reading of the file as `compose` first wrote it. */
  let generated: Record<string, ComposeService> = {};

  /** The member command as its operator runs it (docs/deployment.md). */
  const member = async (args: readonly string[]): Promise<void> => {
    await run(process.execPath, ['-r', 'ts-node/register/transpile-only', cliTs, ...args], {
      env: { ...process.env, TS_NODE_PROJECT: join(projectRoot, 'tsconfig.test.json'), ISL_FABRIC_HOME: fabric.root },
      timeoutMs: 120_000,
    });
  };

  /** What docker-compose itself makes of the file (its exit status is checked by run). */
  const composeConfig = async (): Promise<Record<string, ComposeService>> => {
    const { stdout } = await run('docker-compose', ['-f', file, 'config'], { timeoutMs: 60_000 });
    return (parse(stdout) as { services: Record<string, ComposeService> }).services;
  };

  const stopHomes = async (): Promise<void> => {
    for (const h of [hospital1, hospital2]) {
      const supervisor = new Supervisor(new Layout(h.home));
      await Promise.all(supervisor.names().map((n) => supervisor.stop(n)));
    }
  };

  before(async () => {
    await stopHomes();
    rmSync(root, { recursive: true, force: true });
    for (const [h, port] of [
      [hospital1, basePort],
      [hospital2, basePort + 100],
    ] as const) {
      await member(['init', '--home', h.home, '--name', h.name, '--msp-id', h.mspId, '--address', h.address, '--base-port', String(port)]);
    }
    await member(['bundle-import', '--home', hospital1.home, join(hospital2.home, 'bundle.json')]);
    await member(['compose', '--home', hospital1.home]);
    generated = await composeConfig();
  });

  after(async () => {
    await stopHomes();
    rmSync(root, { recursive: true, force: true });
  });

  it('is valid for docker-compose config: the CA, the orderer and each peer, on the pinned official images, restarting, each with its healthcheck', () => {
    const services = generated;
    assert.deepEqual(Object.keys(services).sort(), ['ca.hospital1', 'orderer.hospital1', 'peer0.hospital1']);
    assert.equal(services['ca.hospital1']?.image, `hyperledger/fabric-ca:${FABRIC_CA_IMAGE_TAG}`);
    assert.equal(services['orderer.hospital1']?.image, `hyperledger/fabric-orderer:${FABRIC_IMAGE_TAG}`);
    assert.equal(services['peer0.hospital1']?.image, `hyperledger/fabric-peer:${FABRIC_IMAGE_TAG}`);
    assert.deepEqual([FABRIC_IMAGE_TAG, FABRIC_CA_IMAGE_TAG], ['2.5.9', '1.5.21'], 'the versions scripts/fabric/build.sh builds');
    for (const [name, s] of Object.entries(services)) {
      assert.equal(s.restart, 'unless-stopped', name);
      assert.ok(s.healthcheck, `${name} has a healthcheck`);
    }
    const probe = (name: string): string => (services[name]?.healthcheck?.test ?? []).join(' ');
    assert.match(probe('orderer.hospital1'), new RegExp(`/dev/tcp/127\\.0\\.0\\.1/${String(basePort + 12)} .*GET /healthz`));
    assert.match(probe('peer0.hospital1'), new RegExp(`/dev/tcp/127\\.0\\.0\\.1/${String(basePort + 22)} .*GET /healthz`));
    assert.match(probe('ca.hospital1'), new RegExp(`fabric-ca-client getcainfo -u https://127\\.0\\.13\\.1:${String(basePort)} `));
  });

  it("the CA's healthcheck is a real /cainfo probe: it passes against the member's running CA", async () => {
    const test = generated['ca.hospital1']?.healthcheck?.test ?? [];
    assert.equal(test[0], 'CMD');
    assert.equal(test[1], 'fabric-ca-client');
    // The same command, with the Fabric CA client of the release the image carries; init left the CA running.
    await run(fabric.bin('fabric-ca-client'), test.slice(2), { timeoutMs: 30_000 });
  });

  it("points at the member's own address and ports, published on that address only", () => {
    const services = generated;
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.ports.length > 0, name);
      for (const p of s.ports) {
        assert.match(p, /^127\.0\.13\.1:(\d+):\1\/tcp$/, `${name} publishes ${p} on the member's address`);
      }
    }
    const peer = services['peer0.hospital1']?.environment ?? {};
    assert.equal(peer.CORE_PEER_ADDRESS, `${hospital1.address}:${String(basePort + 20)}`);
    assert.equal(peer.CORE_PEER_GOSSIP_EXTERNALENDPOINT, `${hospital1.address}:${String(basePort + 20)}`);
    assert.equal(peer.CORE_PEER_LISTENADDRESS, `0.0.0.0:${String(basePort + 20)}`);
    assert.equal(peer.CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG, JSON.stringify({ address: `${hospital1.address}:${String(basePort + 23)}` }));
    assert.equal(services['orderer.hospital1']?.environment.ORDERER_GENERAL_LISTENPORT, String(basePort + 10));
    // The containers' core.yaml: the image's own ccaas builder, the trusted TLS CAs of this home.
    const core = parse(readFileSync(join(hospital1.home, 'compose', 'config', 'core.yaml'), 'utf8')) as {
      chaincode: { externalBuilders: { path: string }[] };
      peer: { tls: { clientRootCAs: { files: string[] } } };
    };
    assert.deepEqual(
      core.chaincode.externalBuilders.map((b) => b.path),
      ['/opt/hyperledger/ccaas_builder'],
    );
    assert.ok(core.peer.tls.clientRootCAs.files.every((f) => inside(hospital1.home, f)));
  });

  it("mounts only this member's home: every volume and every path a container is told of lies inside it; of another member only its public TLS CA certificate", () => {
    const services = generated;
    const mounted: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      const targets: string[] = [];
      for (const v of s.volumes) {
        const [source = '', target = ''] = v.split(':');
        assert.ok(inside(hospital1.home, source), `${name} mounts ${source}, outside ${hospital1.home}`);
        mounted.push(source);
        targets.push(target);
      }
      const paths = [...Object.values(s.environment), ...(s.healthcheck?.test ?? [])]
        .flatMap((v) => v.replace(/^\[|\]$/g, '').split(','))
        .filter((v) => v.startsWith('/') && !v.startsWith('/opt/hyperledger/') && !v.startsWith('/tmp/isl-healthcheck'));
      assert.ok(paths.length > 0, name);
      for (const p of paths) {
        assert.ok(inside(hospital1.home, p), `${name} is told of ${p}, outside the home`);
        assert.ok(
          targets.some((t) => inside(t, p)),
          `${name} is told of ${p}, which it does not mount`,
        );
      }
    }
    const ofHospital2 = mounted.filter((m) => m.includes('Hospital2MSP') || m.includes('hospital2'));
    assert.deepEqual([...new Set(ofHospital2)], [join(hospital1.home, 'channel', 'members', 'Hospital2MSP', 'msp', 'tlscacerts', 'ca.pem')]);
    assert.equal(readFileSync(ofHospital2[0] ?? '', 'utf8'), readFileSync(join(hospital2.home, 'orgs', 'hospital2', 'ca', 'ca-cert.pem'), 'utf8'));
    assert.doesNotMatch(readFileSync(file, 'utf8'), /PRIVATE KEY|registrar:/);
  });

  it('adds a chaincode server per peer once the member installed its package, built from this clone and run as the owner of the keys', async () => {
    // What chaincode-approve leaves in the home: the charter it acts under and the package ID it installed.
    writeFileSync(
      join(hospital1.home, 'charter.yaml'),
      stringify({
        format: charterFormat,
        channel: 'imaging',
        orderer: {
          batchTimeout: '150ms',
          maxMessageCount: 500,
          absoluteMaxBytes: '10 MB',
          preferredMaxBytes: '2 MB',
          raft: { tickInterval: '250ms', electionTick: 10, heartbeatTick: 1 },
        },
        chaincode: { name: 'isl', version: '0.1.0' },
        founders: ['Hospital1MSP', 'Hospital2MSP', 'Hospital3MSP'],
      }),
    );
    NetworkState.load(new Layout(hospital1.home).state).setPackageIds(new Map([['hospital1', 'isl_0.1.0:0123abcd']]));
    await member(['compose', '--home', hospital1.home]);
    const services = await composeConfig();
    const cc = services['chaincode.peer0.hospital1'];
    assert.ok(cc);
    assert.deepEqual(cc.build, { context: projectRoot, dockerfile: 'chaincode/Dockerfile' });
    assert.equal(cc.image, 'isl-chaincode:0.1.0');
    assert.equal(cc.environment.CHAINCODE_ID, 'isl_0.1.0:0123abcd');
    assert.deepEqual(cc.ports, [`${hospital1.address}:${String(basePort + 23)}:${String(basePort + 23)}/tcp`]);
    const keyOwner = statSync(join(hospital1.home, 'orgs', 'hospital1', 'identities', 'chaincode.peer0.hospital1', 'tls', 'key.pem'));
    assert.equal(cc.user, `${String(keyOwner.uid)}:${String(keyOwner.gid)}`);
    assert.deepEqual(cc.volumes, [`${join(hospital1.home, 'orgs', 'hospital1', 'identities', 'chaincode.peer0.hospital1', 'tls')}:/etc/isl/tls:ro`]);
    assert.equal(cc.restart, 'unless-stopped');
    assert.match((cc.healthcheck?.test ?? []).join(' '), new RegExp(`connect\\(${String(basePort + 23)}, '127\\.0\\.0\\.1'\\)`));
  });
});
