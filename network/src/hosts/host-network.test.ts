import { strict as assert } from 'node:assert';
import { HostNetwork } from './host-network';
import { Host } from './host';

describe('HostNetwork (no namespaces created)', () => {
  it('refuses a prefix that would overflow Linux link names or clash with other links', () => {
    assert.throws(() => new HostNetwork({ prefix: 'toolong', subnet: '10.77.0' }), /1-6 lower-case/);
    assert.throws(() => new HostNetwork({ prefix: 'Isl', subnet: '10.77.0' }), /1-6 lower-case/);
    assert.doesNotThrow(() => new HostNetwork({ prefix: 'islm', subnet: '10.77.0' }));
  });

  it('refuses a subnet outside the private ranges, so no test host ever shadows a real network', () => {
    assert.throws(() => new HostNetwork({ prefix: 'islm', subnet: '8.8.8' }), /private/);
    assert.throws(() => new HostNetwork({ prefix: 'islm', subnet: '10.77' }), /three octets/);
    assert.throws(() => new HostNetwork({ prefix: 'islm', subnet: '10.300.0' }), /three octets/);
    assert.doesNotThrow(() => new HostNetwork({ prefix: 'islm', subnet: '192.168.77' }));
  });

  it('names the bridge after the prefix and puts the operator on .1', () => {
    const n = new HostNetwork({ prefix: 'islm', subnet: '10.77.0' });
    assert.equal(n.bridge, 'islmbr');
    assert.equal(n.gateway, '10.77.0.1');
  });
});

describe('Host', () => {
  it('runs a command inside its namespace with ip netns exec, keeping the arguments as they are', () => {
    const h = new Host({ name: 'hospital1', namespace: 'islm-hospital1', address: '10.77.0.2', hostLink: 'islmh0', innerLink: 'islmn0' });
    assert.deepEqual(h.command('/bin/echo', ['a b', '--x']), { command: 'ip', args: ['netns', 'exec', 'islm-hospital1', '/bin/echo', 'a b', '--x'] });
  });
});
