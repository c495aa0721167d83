import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installLogLevelGate } from './log-level-gate';

interface TestLogger {
  debug(message: string): unknown;
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

/** The real winston the shim uses: a logger whose format counts its runs and whose transport collects the lines. */
function countingLogger(level: string): { logger: TestLogger; formatted: string[]; written: string[] } {
  const winston = createRequire(require.resolve('fabric-shim'))('winston') as typeof import('winston');
  const formatted: string[] = [];
  const written: string[] = [];
  const counting = winston.format((info) => {
    formatted.push(String(info.message));
    return info;
  });
  class Collect extends winston.Transport {
    override log(info: { message: string }, next: () => void): void {
      written.push(info.message);
      next();
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's types and the runtime copy it loads name winston-transport's class from two declarations
  const logger = winston.createLogger({ level, format: counting(), transports: [new Collect()] });
  return { logger, formatted, written };
}

describe('the shim log-level gate', () => {
  before(() => {
    installLogLevelGate();
    installLogLevelGate(); // idempotent: a second install must not wrap twice
  });

  it('does not format lines below the level, and formats and writes those at or above it', async () => {
    const { logger, formatted, written } = countingLogger('warn');
    logger.debug('a debug line');
    logger.info('an info line');
    logger.warn('a warning');
    logger.error('an error');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(formatted, ['a warning', 'an error']);
    assert.deepEqual(written, ['a warning', 'an error']);
  });

  it('follows a level changed after the logger was made (the shim resets levels at run time)', async () => {
    const { logger, formatted } = countingLogger('warn');
    (logger as unknown as { level: string }).level = 'debug';
    logger.debug('now visible');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(formatted, ['now visible']);
  });
});
