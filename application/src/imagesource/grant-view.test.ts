import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { newStudyReference } from '@isl/chaincode';
import { waitFor } from '@isl/network';
import { stateKey, syntheticBlock, SyntheticBlockStream, type SyntheticTransaction } from '../ledger/synthetic-blocks';
import type { BlockFeed } from './block-feed';
import { GrantView } from './grant-view';

const SOURCE = newStudyReference();
const OTHER = newStudyReference();
const STUDY = newStudyReference();
const DOCTOR = newStudyReference();
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const source = (active = true, id = SOURCE): SyntheticTransaction['writes'][number] => ({
  key: stateKey('source', id),
  value: { kind: 'source', source: id, active },
});
const study = (id = STUDY, src = SOURCE): SyntheticTransaction['writes'][number] => ({
  key: stateKey('study', src, id),
  value: { kind: 'study', source: src, study: id },
});
const grant = (fields: { until: number; revokedAt?: number; recipient?: string; src?: string; grantedAt?: number }): SyntheticTransaction['writes'][number] => {
  const recipient = fields.recipient ?? DOCTOR;
  const src = fields.src ?? SOURCE;
  return {
    key: stateKey('grant', src, STUDY, recipient),
    value: {
      kind: 'grant',
      source: src,
      study: STUDY,
      recipient,
      grantedAt: iso(fields.grantedAt ?? T0),
      until: iso(fields.until),
      status: fields.revokedAt === undefined ? 'active' : 'revoked',
      ...(fields.revokedAt === undefined ? {} : { revokedAt: iso(fields.revokedAt) }),
    },
  };
};
const lease = (statement: string, grantedAt: number, until: number): SyntheticTransaction['writes'][number] => ({
  key: stateKey('breakglass', SOURCE, STUDY, DOCTOR, statement),
  value: { kind: 'breakglass', source: SOURCE, study: STUDY, recipient: DOCTOR, grantedAt: iso(grantedAt), until: iso(until), statement },
});

/** The ledger boundary, stubbed: the peer's height, and the block streams the view opens (one per open, in order). */
function feed(height: number): { feed: BlockFeed; height: sinon.SinonStub; blocks: sinon.SinonStub; streams: SyntheticBlockStream[] } {
  const streams: SyntheticBlockStream[] = [];
  const heightStub = sinon.stub<[], Promise<bigint>>().resolves(BigInt(height));
  const blocks = sinon.stub<[bigint], Promise<SyntheticBlockStream>>().callsFake(() => {
    const stream = new SyntheticBlockStream();
    streams.push(stream);
    return Promise.resolve(stream);
  });
  return { feed: { height: heightStub, blocks }, height: heightStub, blocks, streams };
}

const until = (what: string, check: () => boolean): Promise<true> => waitFor(what, () => check() || false, { timeoutMs: 5_000, intervalMs: 2 });

describe('grant view: the image source decides from the blocks its peer delivers', () => {
  let dir: string;
  let views: GrantView[];
  const open = (f: BlockFeed, file = join(dir, 'view.json')): GrantView => {
    const view = new GrantView({
      feed: f,
      channel: 'imaging',
      chaincode: 'isl',
      source: SOURCE,
      checkpointFile: file,
      heartbeatMs: 0,
      checkpointEveryMs: 0,
      retryMs: 1,
    });
    views.push(view);
    view.start();
    return view;
  };
  /** A view live at height 1, its block 0 holding `writes`. */
  const liveFrom = async (
    writes: SyntheticTransaction['writes'],
  ): Promise<{ f: ReturnType<typeof feed>; view: GrantView; block0: ReturnType<typeof syntheticBlock> }> => {
    const f = feed(1);
    const view = open(f);
    await until('the stream', () => f.streams.length === 1);
    const block0 = syntheticBlock(0, [{ writes }]);
    f.streams[0]?.push(block0);
    await until('live', () => view.live);
    return { f, view, block0 };
  };
  const decide = async (view: GrantView, atMs: number, recipient = DOCTOR): Promise<unknown> => {
    const d = view.decide(STUDY, recipient, atMs);
    if (d === undefined) return 'ask the peer';
    const { allowed } = await d;
    const answer = await d;
    return allowed ? ('breakGlass' in answer ? `allowed under ${answer.breakGlass.statement}` : 'allowed') : answer.reason;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grant-view-'));
    views = [];
  });
  afterEach(async () => {
    for (const view of views) await view.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers CheckAccess from committed writes: granted, expired at until, revoked from revokedAt, not yet valid', async () => {
    const f = feed(2);
    const view = open(f);
    await until('the stream', () => f.streams.length === 1);
    f.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]), syntheticBlock(1, [{ writes: [grant({ until: T0 + 60_000 })] }]));
    await until('live', () => view.live);
    assert.equal(await decide(view, T0 + 1_000), 'allowed');
    assert.equal(await decide(view, T0 + 59_999), 'allowed');
    assert.equal(await decide(view, T0 + 60_000), 'GRANT_EXPIRED', 'until is exclusive, against the time of the decision');
    assert.equal(await decide(view, T0 - 1), 'GRANT_NOT_YET_VALID');
    assert.equal(await decide(view, T0, newStudyReference()), 'NO_GRANT');
    f.streams[0]?.push(syntheticBlock(2, [{ writes: [grant({ until: T0 + 60_000, revokedAt: T0 + 5_000 })] }]));
    await until('block 2', () => view.height === 3n);
    assert.equal(await decide(view, T0 + 4_999), 'allowed', 'a decision for a time before the revocation');
    assert.equal(await decide(view, T0 + 5_000), 'GRANT_REVOKED');
  });

  it('the source and the study are checked first, as CheckAccess does: unknown source, deactivated source, unknown study', async () => {
    // In the order a ledger can have them: a grant is only ever made for a defined study.
    const { f, view } = await liveFrom([]);
    assert.equal(await decide(view, T0), 'SOURCE_NOT_FOUND');
    f.streams[0]?.push(syntheticBlock(1, [{ writes: [source()] }]));
    await until('block 1', () => view.height === 2n);
    assert.equal(await decide(view, T0), 'STUDY_NOT_FOUND');
    f.streams[0]?.push(syntheticBlock(2, [{ writes: [study()] }]), syntheticBlock(3, [{ writes: [grant({ until: T0 + 60_000 })] }]));
    await until('block 3', () => view.height === 4n);
    assert.equal(await decide(view, T0), 'allowed');
    f.streams[0]?.push(syntheticBlock(4, [{ writes: [source(false)] }]));
    await until('block 4', () => view.height === 5n);
    assert.equal(await decide(view, T0), 'SOURCE_INACTIVE');
  });

  it('invalid transactions, other namespaces and other sources change nothing', async () => {
    const f = feed(1);
    const view = open(f);
    await until('the stream', () => f.streams.length === 1);
    f.streams[0]?.push(
      syntheticBlock(0, [
        { writes: [source(), study()] },
        { writes: [grant({ until: T0 + 60_000 })], valid: false },
        { writes: [grant({ until: T0 + 60_000 })], namespace: 'other' },
        { writes: [source(true, OTHER), study(STUDY, OTHER), grant({ until: T0 + 60_000, src: OTHER })] },
      ]),
    );
    await until('live', () => view.live);
    assert.equal(await decide(view, T0), 'NO_GRANT');
    assert.equal(view.status().records, 2, 'only this source records');
  });

  it('break-glass: the active lease that ends last, when no grant holds', async () => {
    const f = feed(1);
    const view = open(f);
    await until('the stream', () => f.streams.length === 1);
    f.streams[0]?.push(
      syntheticBlock(0, [
        { writes: [source(), study(), grant({ until: T0 + 1_000 }), lease('b'.repeat(43), T0, T0 + 9_000), lease('a'.repeat(43), T0, T0 + 5_000)] },
      ]),
    );
    await until('live', () => view.live);
    assert.equal(await decide(view, T0 + 500), 'allowed', 'a grant is preferred');
    assert.equal(await decide(view, T0 + 2_000), `allowed under ${'b'.repeat(43)}`);
    assert.equal(await decide(view, T0 + 9_000), 'GRANT_EXPIRED');
  });

  it('does not answer until it has applied every block the peer had when the stream opened', async () => {
    const f = feed(3);
    const view = open(f);
    await until('the stream', () => f.streams.length === 1);
    assert.equal(f.blocks.firstCall.args[0], 0n, 'no checkpoint: from block 0');
    f.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study(), grant({ until: T0 + 60_000 })] }]), syntheticBlock(1, []));
    await until('block 1', () => view.height === 2n);
    assert.equal(view.live, false);
    assert.equal(await decide(view, T0), 'ask the peer');
    f.streams[0]?.push(syntheticBlock(2, []));
    await until('live', () => view.live);
    assert.equal(await decide(view, T0), 'allowed');
  });

  it('a gap in the stream: stops answering and opens the stream again at its last block', async () => {
    const { f, view, block0 } = await liveFrom([source(), study(), grant({ until: T0 + 60_000 })]);
    f.height.resolves(3n);
    f.streams[0]?.push(syntheticBlock(2, [{ writes: [grant({ until: T0 + 60_000, revokedAt: T0 })] }]));
    await until('a second stream', () => f.streams.length === 2);
    assert.equal(f.blocks.secondCall.args[0], 0n, 'from the last block applied');
    assert.equal(view.height, 1n, 'the block after the gap was not applied');
    f.streams[1]?.push(block0, syntheticBlock(1, []));
    await until('block 1', () => view.height === 2n);
    assert.equal(await decide(view, T0 + 1), 'ask the peer', 'still behind the peer');
    f.streams[1]?.push(syntheticBlock(2, [{ writes: [grant({ until: T0 + 60_000, revokedAt: T0 })] }]));
    await until('live', () => view.live);
    assert.equal(await decide(view, T0 + 1), 'GRANT_REVOKED');
  });

  it('a failed stream: asks the peer until a new stream has caught up', async () => {
    const { f, view, block0 } = await liveFrom([source(), study(), grant({ until: T0 + 60_000 })]);
    f.height.resolves(2n);
    f.streams[0]?.fail(new Error('14 UNAVAILABLE: connection dropped'));
    await until('a second stream', () => f.streams.length === 2);
    assert.equal(await decide(view, T0), 'ask the peer');
    f.streams[1]?.push(block0, syntheticBlock(1, [{ writes: [grant({ until: T0 + 60_000, revokedAt: T0 })] }]));
    await until('live', () => view.live);
    assert.equal(await decide(view, T0), 'GRANT_REVOKED');
  });

  it('the heartbeat: a peer ahead of the view, or a height that cannot be read, sends decisions to the peer', async () => {
    const { f, view, block0 } = await liveFrom([source(), study(), grant({ until: T0 + 60_000 })]);
    f.height.resolves(2n);
    await view.probe();
    assert.equal(await decide(view, T0), 'ask the peer', 'the peer has block 1, the view not yet');
    await view.probe();
    assert.ok(f.streams[0]?.closed, 'still behind at the next heartbeat: the stream is opened again');
    await until('a second stream', () => f.streams.length === 2);
    f.streams[1]?.push(block0, syntheticBlock(1, []));
    await until('live', () => view.live);
    f.height.rejects(new Error('14 UNAVAILABLE'));
    await view.probe();
    assert.equal(await decide(view, T0), 'ask the peer');
  });

  it('resumes from its checkpoint: asks the peer from the last block applied, skips it, answers from the restored records', async () => {
    const file = join(dir, 'view.json');
    const first = feed(2);
    const before = open(first.feed, file);
    await until('the stream', () => first.streams.length === 1);
    const block1 = syntheticBlock(1, [{ writes: [grant({ until: T0 + 60_000 })] }]);
    first.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]), block1);
    await until('live', () => before.live);
    await before.close();
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { height: string }).height, '2');

    const again = feed(3);
    const after = open(again.feed, file);
    assert.equal(await decide(after, T0), 'ask the peer', 'not live before the stream is open');
    await until('the stream', () => again.streams.length === 1);
    assert.equal(again.blocks.firstCall.args[0], 1n);
    again.streams[0]?.push(block1, syntheticBlock(2, [{ writes: [grant({ until: T0 + 60_000, revokedAt: T0 + 10 })] }]));
    await until('live', () => after.live);
    assert.equal(await decide(after, T0), 'allowed', 'the grant came from the checkpoint');
    assert.equal(await decide(after, T0 + 10), 'GRANT_REVOKED', 'and the revocation from the replayed block');
  });

  it('rebuilds from block 0 when the checkpoint is corrupt, of another ledger, or ahead of the peer', async () => {
    const file = join(dir, 'view.json');
    const first = feed(2);
    const before = open(first.feed, file);
    await until('the stream', () => first.streams.length === 1);
    first.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]), syntheticBlock(1, [{ writes: [grant({ until: T0 + 60_000 })] }]));
    await until('live', () => before.live);
    await before.close();
    const good = readFileSync(file, 'utf8');

    // Another ledger at the same height: block 1 is not the one applied.
    const other = feed(2);
    const reset = open(other.feed, file);
    await until('the stream', () => other.streams.length === 1);
    other.streams[0]?.push(syntheticBlock(1, [{ writes: [grant({ until: T0 + 60_000 })] }], 'isl', 'another ledger'));
    await until('a stream from block 0', () => other.streams.length === 2);
    assert.equal(other.blocks.secondCall.args[0], 0n);
    other.streams[1]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]), syntheticBlock(1, [], 'isl', 'another ledger'));
    await until('live', () => reset.live);
    assert.equal(await decide(reset, T0), 'NO_GRANT', 'nothing of the old ledger is kept');
    await reset.close();

    // Ahead of the peer (a new network): from block 0 at once.
    writeFileSync(file, good);
    const fresh = feed(1);
    const behind = open(fresh.feed, file);
    await until('the stream', () => fresh.streams.length === 1);
    assert.equal(fresh.blocks.firstCall.args[0], 0n);
    fresh.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]));
    await until('live', () => behind.live);
    assert.equal(await decide(behind, T0), 'NO_GRANT');
    await behind.close();

    for (const corrupt of [
      '{"version":1,"height":"2"',
      JSON.stringify({ ...(JSON.parse(good) as object), height: '7' }),
      JSON.stringify({ ...(JSON.parse(good) as object), source: OTHER }),
    ]) {
      writeFileSync(file, corrupt);
      const f = feed(1);
      const view = open(f.feed, file);
      await until('the stream', () => f.streams.length === 1);
      assert.equal(f.blocks.firstCall.args[0], 0n, corrupt.slice(0, 40));
      f.streams[0]?.push(syntheticBlock(0, [{ writes: [source(), study()] }]));
      await until('live', () => view.live);
      assert.equal(await decide(view, T0), 'NO_GRANT');
      await view.close();
    }
  });

  it('an id the chaincode would refuse as an argument is left to the peer', async () => {
    const { view } = await liveFrom([source(), study()]);
    // 43 base64url characters whose last one carries bits beyond 32 bytes: not the canonical spelling.
    assert.equal(view.decide(STUDY, `${'A'.repeat(42)}B`, T0), undefined);
  });
});
