import { run } from '../process/run';

/** Runs iproute2's `ip` (bounded); fails with its stderr. */
export async function ip(args: readonly string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeoutMs: 15_000 });
  return stdout;
}

/** Runs `ip`, ignoring the failure that says the object is already gone (idempotent teardown). */
export async function ipIfPresent(args: readonly string[]): Promise<void> {
  try {
    await ip(args);
  } catch (err) {
    if (!(err instanceof Error) || !/Cannot find device|No such file|does not exist|Cannot open network namespace/i.test(err.message)) {
      throw err;
    }
  }
}

/** Runs iproute2's `tc` (bounded); fails with its stderr. */
export async function tc(args: readonly string[]): Promise<void> {
  await run('tc', args, { timeoutMs: 15_000 });
}

/** Runs `tc`, ignoring the failure that says there is nothing to delete. */
export async function tcIfPresent(args: readonly string[]): Promise<void> {
  try {
    await tc(args);
  } catch (err) {
    if (!(err instanceof Error) || !/Cannot find device|No such file|Cannot delete qdisc with handle of zero|does not exist/i.test(err.message)) {
      throw err;
    }
  }
}
