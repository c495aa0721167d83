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
