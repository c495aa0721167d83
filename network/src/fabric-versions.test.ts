import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FABRIC_CA_IMAGE_TAG, FABRIC_IMAGE_TAG } from './compose/compose';
import { projectRoot } from './fabric-home';

const read = (...path: string[]): string => readFileSync(join(projectRoot, ...path), 'utf8');

function pin(name: string): string {
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(read('scripts', 'fabric', 'build.sh'))?.[1];
  assert.ok(value, `scripts/fabric/build.sh sets ${name}`);
  return value;
}

function compare(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** One Fabric and one Fabric CA release, the same everywhere it is named (issue 11 item 18). */
describe('the pinned Fabric and Fabric CA releases', () => {
  const fabric = pin('FABRIC_VERSION');
  const commit = pin('FABRIC_COMMIT');
  const ca = pin('FABRIC_CA_VERSION');

  it('Fabric CA is v1.5.21 or later (the newest release the Go module proxy serves)', () => {
    assert.ok(compare(ca, '1.5.21') >= 0, `Fabric CA ${ca}`);
  });

  it('Fabric stays on the 2.5 LTS line the proxy serves', () => {
    assert.match(fabric, /^2\.5\.\d+$/);
  });

  it('the Go modules build exactly those releases', () => {
    assert.match(read('scripts', 'fabric', 'ca', 'go.mod'), new RegExp(`^require github\\.com/hyperledger/fabric-ca v${ca.replaceAll('.', '\\.')}$`, 'm'));
    // Fabric's module has no /v2 suffix: its release is the pseudo-version of the release commit.
    assert.match(
      read('scripts', 'fabric', 'go.mod'),
      new RegExp(`^require github\\.com/hyperledger/fabric v1\\.4\\.0-rc1\\.0\\.\\d{14}-${commit.slice(0, 12)}$`, 'm'),
    );
  });

  it("docker-compose.yaml uses the same releases' images", () => {
    assert.equal(FABRIC_IMAGE_TAG, fabric);
    assert.equal(FABRIC_CA_IMAGE_TAG, ca);
  });

  it('README.md and docs/operations.md name them', () => {
    assert.match(read('README.md'), new RegExp(`Fabric v${fabric} and Fabric CA v${ca}`));
    const operations = read('docs', 'operations.md');
    assert.ok(operations.includes(`**Fabric v${fabric}**`), 'docs/operations.md names Fabric');
    assert.ok(operations.includes(`**Fabric CA v${ca}**`), 'docs/operations.md names Fabric CA');
  });
});
