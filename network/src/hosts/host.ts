import { run, type RunOptions } from '../process/run';

/** A command line, ready to spawn. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * One member's machine: a network namespace with its own address on the
 * hosts' bridge. Whatever runs inside sees only its loopback and that address.
 */
export class Host {
  readonly name: string;
  /** The namespace's name (`ip netns`). */
  readonly namespace: string;
  readonly address: string;
  /** The veth end on the bridge side (in the root namespace): cut and heal act on it. */
  readonly hostLink: string;
  /** The veth end inside the namespace: the host's network card. */
  readonly innerLink: string;

  constructor(options: { readonly name: string; readonly namespace: string; readonly address: string; readonly hostLink: string; readonly innerLink: string }) {
    this.name = options.name;
    this.namespace = options.namespace;
    this.address = options.address;
    this.hostLink = options.hostLink;
    this.innerLink = options.innerLink;
  }

  /** The command line that runs `command` inside this host (`ip netns exec` execs in place: the pid is the command's). */
  command(command: string, args: readonly string[]): CommandLine {
    return { command: 'ip', args: ['netns', 'exec', this.namespace, command, ...args] };
  }

  /** Runs a command to completion inside this host (bounded, like run()). */
  exec(command: string, args: readonly string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
    const line = this.command(command, args);
    return run(line.command, line.args, options);
  }
}
