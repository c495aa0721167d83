import { strict as assert } from 'node:assert';
import { configDifferences, describe as describePath } from './config-diff';

describe('channel configuration differences', () => {
  const config = (rootCert: string, consenters: string[]): unknown => ({
    sequence: '0',
    channel_group: {
      groups: {
        Application: { groups: { Hospital2MSP: { values: { MSP: { value: { config: { root_certs: [rootCert] } } } } } } },
        Orderer: { values: { ConsensusType: { value: { metadata: { consenters } } } } },
      },
    },
  });

  it('finds none between equal configurations, whatever their key order', () => {
    const a = config('A', ['x', 'y']);
    const reversed = (v: unknown): unknown =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reversed(x)]),
          )
        : v;
    const b = reversed(a);
    assert.notEqual(JSON.stringify(a), JSON.stringify(b));
    assert.deepEqual(configDifferences(a, b), []);
  });

  it("names the member and value that differ: another member's MSP, a consenter too many", () => {
    assert.deepEqual(configDifferences(config('A', ['x', 'y']), config('B', ['x', 'y', 'z'])), [
      'Application › Hospital2MSP: value MSP (config.root_certs[0]): differs',
      'Orderer: value ConsensusType (metadata.consenters): 3 entries in the block, 2 expected',
    ]);
  });

  it('names a member missing from, or added to, the block', () => {
    const expected = { channel_group: { groups: { Application: { groups: { A: {}, B: {} } } } } };
    const actual = { channel_group: { groups: { Application: { groups: { A: {}, C: {} } } } } };
    assert.deepEqual(configDifferences(expected, actual), [
      'Application › B: missing from the block',
      'Application › C: in the block, not in the bundles and charter',
    ]);
  });

  it('describes policies and channel-level fields', () => {
    assert.equal(
      describePath(['channel_group', 'groups', 'Application', 'policies', 'Admins', 'policy', 'value', 'rule']),
      'Application: policy Admins (value.rule)',
    );
    assert.equal(describePath(['sequence']), 'Channel: sequence');
  });
});
