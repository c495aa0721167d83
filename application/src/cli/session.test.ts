import { strict as assert } from 'node:assert';
import { parseUntil } from './session';
import { CliError } from './context';

describe('isl --until', () => {
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  it('reads durations, dates and seconds since the epoch', () => {
    assert.equal(parseUntil('30d', now), now / 1000 + 30 * 86_400);
    assert.equal(parseUntil('12h', now), now / 1000 + 12 * 3_600);
    assert.equal(parseUntil('90m', now), now / 1000 + 90 * 60);
    assert.equal(parseUntil('2027-01-01T00:00:00Z', now), Date.UTC(2027, 0, 1) / 1000);
    assert.equal(parseUntil('1800000000', now), 1_800_000_000);
  });
  it('refuses anything else with a message naming the value', () => {
    assert.throws(
      () => parseUntil('next week', now),
      (err: CliError) => err instanceof CliError && err.message.includes('next week'),
    );
  });
});
