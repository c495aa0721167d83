import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { projectRoot } from '../fabric-home';

/** A Node service would run on some other Node than the project's pinned one. */
export class ProjectNodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectNodeError';
  }
}

/** Where scripts/bootstrap.sh installs the project's Node (the npm registry's `node` package). */
export function projectNodePath(root = projectRoot): string {
  return join(root, '.tools', 'node', 'node_modules', 'node', 'bin', 'node');
}

/** The pinned version, e.g. "v24.21.0", from .node-version (scripts/env.sh reads the same file). */
export function pinnedNodeVersion(root = projectRoot): string {
  return `v${readFileSync(join(root, '.node-version'), 'utf8').trim()}`;
}

/** What a Node binary says `--version` is; undefined when it does not run. */
export function nodeVersionOf(binary: string): string | undefined {
  if (realpathOrSelf(binary) === realpathOrSelf(process.execPath)) {
    return process.version;
  }
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const verified = new Map<string, string>();

/**
 * The project's Node binary: every Node service (chaincode servers, gateways,
 * image sources) is spawned with it, never with process.execPath, which is
 * whatever Node the caller happened to be started with (on a fresh clone, the
 * machine's own). Throws, naming the fix, unless it is installed at the pinned version.
 */
export function projectNode(root = projectRoot): string {
  const known = verified.get(root);
  if (known !== undefined) {
    return known;
  }
  const path = projectNodePath(root);
  const want = pinnedNodeVersion(root);
  const found = existsSync(path) ? nodeVersionOf(path) : undefined;
  if (found !== want) {
    throw new ProjectNodeError(
      `the project's Node ${want} is not installed at ${path} (${found === undefined ? 'missing' : `found ${found}`}): run npm start or npm test (scripts/bootstrap.sh installs it)`,
    );
  }
  verified.set(root, path);
  return path;
}

/**
 * Refuses a command that is a Node binary other than the project's, so no
 * service can again be spawned on a foreign Node (e.g. with process.execPath
 * of a process the machine's Node started). Other commands pass untouched.
 */
export function assertProjectNodeCommand(command: string, root = projectRoot): void {
  const isNode = basename(command) === 'node' || realpathOrSelf(command) === realpathOrSelf(process.execPath);
  if (!isNode) {
    return;
  }
  const project = projectNode(root);
  if (!isAbsolute(command) || realpathOrSelf(command) !== realpathOrSelf(project)) {
    throw new ProjectNodeError(`${command} is not the project's Node (${project}): spawn Node services with projectNode()`);
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
