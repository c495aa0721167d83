import { fixedLoad, type Operation, type StepResult } from '../load';
import { ProcessMonitor, type GroupFigures } from '../procstat';

/** How statements are signed and sent: `send` takes one request's statements (one alone, or a batch). */
export interface BatchDriver {
  /** `count` fresh statements (signed just before their step: statements live 300 s). */
  sign(count: number): Promise<string[]>;
  /** Relays one request: a single statement (size 1) or a batch; resolves once committed with every statement applied. */
  send(statements: readonly string[], request: number): Promise<void>;
}

export interface BatchOptions {
  /** Statements per request; 1 is the single-statement path. */
  readonly sizes: readonly number[];
  /**
   * Statements kept outstanding (fixed load: the capacity), as max(2, ⌈inFlight / size⌉) requests: the same
   * work in the pipeline for every size (a fixed number of requests would queue 50 times more for batches of 50).
   */
  readonly inFlight: number;
  readonly stepS: number;
  /** Statements signed per step at most (the step ends early when they run out). */
  readonly maxStatements: number;
  readonly runDir: string;
  readonly log: (m: string) => void;
}

export interface BatchStep {
  readonly size: number;
  readonly step: StepResult;
  readonly statementsPerS: number;
  /** CPU of the consortium's processes (peers, orderers, chaincode, gateways, CAs) per committed statement. */
  readonly cpuMsPerStatement: number;
  /** The same per kind of process (peer, orderer, chaincode, gateway, …). */
  readonly cpuMsPerStatementByKind: Record<string, number>;
  readonly processes: Record<string, GroupFigures>;
}

/**
 * Statements per second and CPU per statement, single statements against batches (issue 15, goal 5):
 * each size under a fixed load of outstanding statements, so the figure is the capacity.
 */
export async function benchBatches(driver: BatchDriver, o: BatchOptions): Promise<BatchStep[]> {
  const steps: BatchStep[] = [];
  for (const size of o.sizes) {
    const statements = await driver.sign(o.maxStatements - (o.maxStatements % size));
    const requests = statements.length / size;
    const op: Operation = (i) => driver.send(statements.slice(i * size, (i + 1) * size), i);
    const monitor = new ProcessMonitor(o.runDir);
    const started = performance.now();
    monitor.start();
    const concurrency = Math.max(2, Math.ceil(o.inFlight / size));
    const step = await fixedLoad(op, concurrency, { label: `${String(size)} per transaction`, durationS: o.stepS, maxOps: requests });
    const processes = monitor.stop();
    // The monitor's window: its CPU percentages are over this many seconds.
    const windowS = (performance.now() - started) / 1000;
    const committed = step.succeeded * size;
    const perStatement = (f: GroupFigures | undefined): number =>
      committed === 0 || f === undefined ? 0 : ((f.cpuPercent / 100) * windowS * 1000) / committed;
    const byKind = Object.fromEntries(
      Object.entries(processes)
        .filter(([kind]) => kind !== 'consortium total' && !kind.startsWith('bench'))
        .map(([kind, f]) => [kind, perStatement(f)]),
    );
    const result: BatchStep = {
      size,
      step,
      statementsPerS: step.throughput * size,
      cpuMsPerStatement: perStatement(processes['consortium total']),
      cpuMsPerStatementByKind: byKind,
      processes,
    };
    o.log(
      `${step.label}: ${result.statementsPerS.toFixed(1)} statements/s, ${result.cpuMsPerStatement.toFixed(2)} ms CPU per statement, ` +
        `p50 ${step.latencyMs.p50.toFixed(0)} ms per request, ${String(step.failed)} failed${step.errors.length > 0 ? ` (${step.errors.join('; ')})` : ''}`,
    );
    steps.push(result);
  }
  return steps;
}
