import { ip, ipIfPresent, tc, tcIfPresent } from './ip';
import { Host } from './host';

export interface HostNetworkOptions {
  /**
   * Prefix of every namespace and link this network creates (at most 6
   * characters: Linux link names hold 15). Setup removes anything left under it.
   */
  readonly prefix: string;
  /** The private /24 the hosts share, as its first three octets, e.g. "10.77.0". */
  readonly subnet: string;
}

const maxHosts = 200;

/**
 * Member hosts for tests: one network namespace per member, each joined to one
 * bridge by a veth pair, on a private /24. The bridge holds .1 (the operator's
 * console: the test process reaches every host through it); host i holds .(i+2).
 * No route leads anywhere else.
 */
export class HostNetwork {
  readonly #o: HostNetworkOptions;
  #hosts: Host[] = [];

  constructor(options: HostNetworkOptions) {
    if (!/^[a-z][a-z0-9]{0,5}$/.test(options.prefix)) {
      throw new Error(`host network prefix ${options.prefix}: 1-6 lower-case letters or digits, starting with a letter`);
    }
    const octets = options.subnet.split('.').map(Number);
    const privateNet = octets[0] === 10 || (octets[0] === 192 && octets[1] === 168) || (octets[0] === 172 && (octets[1] ?? 0) >= 16 && (octets[1] ?? 0) < 32);
    if (octets.length !== 3 || !octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255) || !privateNet) {
      throw new Error(`host network subnet ${options.subnet}: three octets of a private (RFC 1918) network, e.g. 10.77.0`);
    }
    this.#o = options;
  }

  get bridge(): string {
    return `${this.#o.prefix}br`;
  }

  /** The bridge's own address: where the test process (the operator) sits. */
  get gateway(): string {
    return `${this.#o.subnet}.1`;
  }

  get hosts(): readonly Host[] {
    return this.#hosts;
  }

  /** Creates the bridge and one host per name, after removing whatever a previous, interrupted run left. */
  async up(names: readonly string[]): Promise<Host[]> {
    if (names.length > maxHosts) {
      throw new Error(`at most ${String(maxHosts)} hosts per network, asked for ${String(names.length)}`);
    }
    await this.down();
    await ip(['link', 'add', this.bridge, 'type', 'bridge']);
    await ip(['addr', 'add', `${this.gateway}/24`, 'dev', this.bridge]);
    await ip(['link', 'set', this.bridge, 'up']);
    const hosts: Host[] = [];
    for (const [i, name] of names.entries()) {
      const inside = `${this.#o.prefix}n${String(i)}`;
      const host = new Host({
        name,
        namespace: `${this.#o.prefix}-${name}`,
        address: `${this.#o.subnet}.${String(i + 2)}`,
        hostLink: `${this.#o.prefix}h${String(i)}`,
        innerLink: inside,
      });
      await ip(['netns', 'add', host.namespace]);
      await ip(['link', 'add', host.hostLink, 'type', 'veth', 'peer', 'name', inside]);
      await ip(['link', 'set', inside, 'netns', host.namespace]);
      await ip(['link', 'set', host.hostLink, 'master', this.bridge]);
      await ip(['link', 'set', host.hostLink, 'up']);
      await ip(['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', inside]);
      await ip(['-n', host.namespace, 'link', 'set', inside, 'up']);
      await ip(['-n', host.namespace, 'link', 'set', 'lo', 'up']);
      hosts.push(host);
      this.#hosts = hosts;
    }
    return hosts;
  }

  /** Cuts the host off the bridge (its cable pulled): nothing reaches it, it reaches nothing. */
  async cut(host: Host): Promise<void> {
    await ip(['link', 'set', host.hostLink, 'down']);
  }

  /** Plugs the host's cable back in. */
  async heal(host: Host): Promise<void> {
    await ip(['link', 'set', host.hostLink, 'up']);
  }

  /**
   * Slows the host's link both ways to `rate` (a token bucket, `tc … tbf`, as
   * on a congested line): queued packets wait up to `latency`, the rest are dropped.
   */
  async slow(host: Host, rate: string, latency = '400ms'): Promise<void> {
    const tbf = ['qdisc', 'replace', 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', latency];
    await tc(['qdisc', 'replace', 'dev', host.hostLink, ...tbf.slice(2)]);
    await tc(['-n', host.namespace, 'qdisc', 'replace', 'dev', host.innerLink, ...tbf.slice(2)]);
  }

  /** Gives the host its full link speed back. */
  async unslow(host: Host): Promise<void> {
    await tcIfPresent(['qdisc', 'del', 'dev', host.hostLink, 'root']);
    await tcIfPresent(['-n', host.namespace, 'qdisc', 'del', 'dev', host.innerLink, 'root']);
  }

  /**
   * Removes every namespace and link under this network's prefix, including
   * those of an earlier run. Stop the hosts' processes first: a namespace
   * lives on while a process holds it.
   */
  async down(): Promise<void> {
    const namespaces = (await ip(['netns', 'list']))
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${this.#o.prefix}-`));
    for (const ns of namespaces) {
      await ipIfPresent(['netns', 'delete', ns]);
    }
    // Deleting a veth end deletes its peer; the host-side ends are ours by name.
    const links = (await ip(['-o', 'link', 'show']))
      .split('\n')
      .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '')
      .filter((l) => new RegExp(`^${this.#o.prefix}h\\d+$`).test(l));
    for (const link of links) {
      await ipIfPresent(['link', 'delete', link]);
    }
    await ipIfPresent(['link', 'delete', this.bridge]);
    this.#hosts = [];
  }
}
