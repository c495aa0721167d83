import { strict as assert } from 'node:assert';
import { main as cliMain } from '../cli/main';

/**
 * Runs `isl --json --profile <profile> --org <org> ...args` in this process
 * with `env` added, and returns its parsed JSON output; asserts the exit code.
 */
export async function runIsl(
  args: readonly string[],
  o: { readonly profile: string; readonly org: string; readonly env: Readonly<Record<string, string>>; readonly expectedCode?: number },
): Promise<unknown> {
  const saved = { ...process.env };
  Object.assign(process.env, o.env);
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  let code: number;
  try {
    code = await cliMain(['--json', '--profile', o.profile, '--org', o.org, ...args]);
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
  assert.equal(code, o.expectedCode ?? 0, `isl ${args.join(' ')} exited ${String(code)}: ${out}`);
  return JSON.parse(out);
}
