import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { HostNetwork } from './host-network';
import { ip } from './ip';
import { waitFor } from '../process/wait';
import { canConnect } from '../chaincode/deployment';
import type { Host } from './host';

/** A TCP listener inside `host`, on its own address only. */
function listenIn(host: Host, port: number): ChildProcess {
  const script = `require('node:net').createServer((s) => s.end('hello from ${host.name}')).listen(${String(port)}, '${host.address}')`;
  const line = host.command(process.execPath, ['-e', script]);
  return spawn(line.command, line.args, { stdio: 'ignore' });
}

/** Whether a process inside `from` can open a TCP connection to address:port (bounded by 2 s). */
async function reaches(from: Host, address: string, port: number): Promise<boolean> {
  const script = `const s = require('node:net').connect(${String(port)}, '${address}');
    s.setTimeout(2000, () => process.exit(3)); s.on('data', () => process.exit(0)); s.on('error', () => process.exit(2));`;
  try {
    await from.exec(process.execPath, ['-e', script], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe('member hosts (network namespaces on a bridge; needs root)', function () {
  this.timeout(60_000);
  const network = new HostNetwork({ prefix: 'islt', subnet: '10.77.9' });
  let server: ChildProcess | undefined;

  after(async () => {
    server?.kill('SIGKILL');
    await network.down();
  });

  it('gives each host its own address; they reach each other over the bridge, not after a cut, again after healing', async () => {
    const [a, b] = await network.up(['alpha', 'beta']);
    assert.ok(a && b);
    assert.notEqual(a.address, b.address);
    server = listenIn(a, 7050);
    await waitFor('the listener inside alpha', () => canConnect(a.address, 7050), { timeoutMs: 15_000 });

    assert.equal(await reaches(b, a.address, 7050), true, 'beta reaches alpha over the bridge');
    assert.equal(await reaches(b, '127.0.0.1', 7050), false, "beta's loopback is its own, not alpha's");

    await network.cut(a);
    assert.equal(await reaches(b, a.address, 7050), false, 'beta does not reach alpha once alpha is cut off');

    await network.heal(a);
    await waitFor('beta to reach alpha again after healing', () => reaches(b, a.address, 7050), { timeoutMs: 20_000 });
  });

  it('is idempotent: setting up again removes the previous leftovers first, and down removes every namespace and link', async () => {
    await network.up(['alpha', 'beta', 'gamma']);
    await network.up(['alpha']);
    assert.deepEqual(
      (await ip(['netns', 'list']))
        .split('\n')
        .filter((l) => l.startsWith('islt-'))
        .map((l) => l.split(' ')[0]),
      ['islt-alpha'],
    );
    await network.down();
    assert.equal((await ip(['netns', 'list'])).includes('islt-'), false);
    assert.equal(/islt(br|h\d)/.test(await ip(['-o', 'link', 'show'])), false);
  });
});
