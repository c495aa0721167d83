import type { ProcessSupervisor, StartOptions, Supervisor } from './supervisor';

/**
 * The processes of several members, each supervised from its own home: every
 * process name ends with its organisation (`peer0.hospital1`,
 * `gateway.hospital2`), and that member's supervisor starts, stops and reports
 * it. What the local consortium's callers see as one supervisor.
 */
export class SupervisorSet implements ProcessSupervisor {
  readonly #byOrg: ReadonlyMap<string, Supervisor>;

  /** `byOrg`: each organisation's name and the supervisor of its home. */
  constructor(byOrg: ReadonlyMap<string, Supervisor>) {
    this.#byOrg = byOrg;
  }

  #owner(name: string): Supervisor {
    const org = name.slice(name.lastIndexOf('.') + 1);
    const supervisor = this.#byOrg.get(org);
    if (!supervisor) {
      throw new Error(`process ${name} names no organisation of this consortium (have: ${[...this.#byOrg.keys()].join(', ')})`);
    }
    return supervisor;
  }

  /** Every process with a pid file in any member's home. */
  names(): string[] {
    return [...this.#byOrg.values()].flatMap((s) => s.names());
  }

  pid(name: string): number | undefined {
    return this.#owner(name).pid(name);
  }

  isRunning(name: string): boolean {
    return this.#owner(name).isRunning(name);
  }

  start(options: StartOptions): number {
    return this.#owner(options.name).start(options);
  }

  async stop(name: string, signal?: NodeJS.Signals, timeoutMs?: number): Promise<void> {
    await this.#owner(name).stop(name, signal, timeoutMs);
  }

  async kill(name: string): Promise<void> {
    await this.#owner(name).kill(name);
  }

  logOf(name: string): string {
    return this.#owner(name).logOf(name);
  }
}
