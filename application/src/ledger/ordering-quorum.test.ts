import { strict as assert } from 'node:assert';
import { OrderingQuorum, type WatchedOrderer } from './ordering-quorum';

/** An orderer's /metrics as Fabric etcdraft writes them, for channel imaging. */
const metrics = (active: number, size = 3): string =>
  `consensus_etcdraft_cluster_size{channel="imaging"} ${String(size)}\nconsensus_etcdraft_active_nodes{channel="imaging"} ${String(active)}\n`;

describe('ordering quorum (the orderers’ own Raft figures)', () => {
  const orderers: WatchedOrderer[] = ['a', 'b', 'c'].map((name, i) => ({ name, operations: { host: '127.0.0.1', port: 1000 + i } }));

  function watch(answers: Map<string, string | Error>): { quorum: OrderingQuorum; advance: (ms: number) => void } {
    let now = 0;
    const quorum = new OrderingQuorum({
      channel: 'imaging',
      orderers,
      graceMs: 5_000,
      now: () => now,
      read: (o) => {
        const a = answers.get(o.name) ?? new Error('down');
        return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
      },
    });
    return { quorum, advance: (ms) => (now += ms) };
  }

  it('never refuses while any orderer reports a leader with a quorum of active consenters', async () => {
    const answers = new Map<string, string | Error>([
      ['a', metrics(0)],
      ['b', metrics(2)],
    ]);
    const { quorum, advance } = watch(answers);
    for (let i = 0; i < 10; i++) {
      assert.equal((await quorum.read()).state, 'quorum');
      advance(1_000);
    }
    assert.equal(quorum.refusal(), undefined);
  });

  it('refuses once the orderers that answer have reported no quorum for longer than the grace (an election is not an outage)', async () => {
    const answers = new Map<string, string | Error>([['b', metrics(1)]]);
    const { quorum, advance } = watch(answers);
    assert.equal((await quorum.read()).state, 'none');
    advance(4_000);
    await quorum.read();
    assert.equal(quorum.refusal(), undefined, 'within the grace');
    advance(1_500);
    await quorum.read();
    assert.match(quorum.refusal() ?? '', /no quorum for 6 s \(a does not answer; b sees 1 of 3 active; c does not answer\); nothing was sent/);
    answers.set('b', metrics(2));
    await quorum.read();
    assert.equal(quorum.refusal(), undefined, 'a quorum again: writes go');
  });

  it('does not refuse when no orderer answers at all: their endpoints may just be out of reach', async () => {
    const { quorum, advance } = watch(new Map());
    assert.equal((await quorum.read()).state, 'unknown');
    advance(60_000);
    await quorum.read();
    assert.equal(quorum.refusal(), undefined);
  });
});
