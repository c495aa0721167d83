import * as assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { LedgerError, type ErrorCode } from '../errors';
import type { Fixture } from './fixture';

/** Asserts fn fails with the code, and that the ledger and its events are unchanged. */
export async function expectRejected(fixture: Fixture, fn: () => Promise<unknown>, code: ErrorCode): Promise<LedgerError> {
  const before = fixture.ledger.snapshot();
  const events = fixture.ledger.events.length;
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  assert.ok(
    error instanceof LedgerError,
    `expected LedgerError ${code}, got ${error === undefined ? 'success' : error instanceof Error ? String(error) : inspect(error)}`,
  );
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.startsWith(`${code}: `) && error.message.length > code.length + 8, 'message names the code and the problem');
  assert.deepEqual(fixture.ledger.snapshot(), before, 'nothing written');
  assert.equal(fixture.ledger.events.length, events, 'no event');
  return error;
}
