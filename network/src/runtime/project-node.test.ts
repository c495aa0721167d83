import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot } from '../fabric-home';
import { assertProjectNodeCommand, nodeVersionOf, pinnedNodeVersion, projectNode, projectNodePath, ProjectNodeError } from './project-node';

describe("the project's Node (every Node service runs on it)", () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isl-project-node-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A project root whose .tools node is a script answering `--version` with `version`. */
  function fakeRoot(version: string | undefined): string {
    writeFileSync(join(scratch, '.node-version'), '24.21.0\n');
    if (version !== undefined) {
      const bin = projectNodePath(scratch);
      mkdirSync(dirname(bin), { recursive: true });
      writeFileSync(bin, `#!/bin/sh\necho ${version}\n`);
      chmodSync(bin, 0o755);
    }
    return scratch;
  }

  it('is the pinned version of .node-version, the file scripts/env.sh reads too', () => {
    const pinned = readFileSync(join(projectRoot, '.node-version'), 'utf8').trim();
    assert.match(pinned, /^24\.\d+\.\d+$/);
    assert.equal(pinnedNodeVersion(), `v${pinned}`);
    assert.match(readFileSync(join(projectRoot, 'scripts', 'env.sh'), 'utf8'), /read -r ISL_NODE_VERSION < "\$ISL_ROOT\/\.node-version"/);
  });

  it('is the binary bootstrap.sh installed in .tools, answering the pinned version', () => {
    const node = projectNode();
    assert.equal(node, projectNodePath());
    assert.equal(nodeVersionOf(node), pinnedNodeVersion());
  });

  it('is refused, naming the fix, when .tools has no Node (a fresh clone before bootstrap)', () => {
    const root = fakeRoot(undefined);
    assert.throws(
      () => projectNode(root),
      (err: unknown) => err instanceof ProjectNodeError && /v24\.21\.0 is not installed .*missing.*bootstrap\.sh/.test(err.message),
    );
  });

  it('is refused when .tools holds another version', () => {
    const root = fakeRoot('v20.20.2');
    assert.throws(
      () => projectNode(root),
      (err: unknown) => err instanceof ProjectNodeError && /found v20\.20\.2/.test(err.message),
    );
  });

  it('is accepted from a root whose .tools answers the pinned version', () => {
    const root = fakeRoot('v24.21.0');
    assert.equal(projectNode(root), projectNodePath(root));
  });

  describe('a command spawned as a service', () => {
    it("may be the project's Node", () => {
      assertProjectNodeCommand(projectNode());
    });

    it('may not be any other binary called node', () => {
      const other = join(scratch, 'node');
      symlinkSync('/bin/sh', other);
      assert.throws(
        () => {
          assertProjectNodeCommand(other);
        },
        (err: unknown) => err instanceof ProjectNodeError && err.message.includes("is not the project's Node"),
      );
    });

    it('may not be node looked up on PATH (whichever Node PATH finds first)', () => {
      assert.throws(() => {
        assertProjectNodeCommand('node');
      }, ProjectNodeError);
    });

    it("may be anything that is not Node (Fabric's binaries, Orthanc)", () => {
      assertProjectNodeCommand('/bin/sh');
      assert.notEqual(realpathSync('/bin/sh'), realpathSync(projectNode()));
    });
  });
});
