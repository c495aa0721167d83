import { createRequire } from 'node:module';

/** What this gate needs of winston (the copy fabric-shim and fabric-contract-api log through). */
interface WinstonLoggerPrototype {
  write: (this: WinstonLoggerPrototype, chunk: unknown, ...rest: unknown[]) => boolean;
  isLevelEnabled: (this: WinstonLoggerPrototype, level: string) => boolean;
}

const LEVEL = Symbol.for('level');
let installed = false;

/**
 * Makes the shim's loggers drop a line below their level before formatting it.
 *
 * winston 3 runs a logger's whole format (timestamp, metadata, colour, padding, printf with
 * safe-stringify of every argument) on each line and only then lets the transport drop the
 * lines below its level. fabric-shim logs a debug line for every message it exchanges with the
 * peer, so at WARNING the chaincode server still spent about a tenth of its CPU formatting lines
 * nobody sees (CPU profile under AllowAccess load, docs/performance.md). Lines at or above the
 * level pass through unchanged. Idempotent.
 */
export function installLogLevelGate(): void {
  if (installed) return;
  const requireFromShim = createRequire(require.resolve('fabric-shim'));
  const { Logger } = requireFromShim('winston') as { Logger: { prototype: WinstonLoggerPrototype } };
  const write = Logger.prototype.write;
  Logger.prototype.write = function gatedWrite(this: WinstonLoggerPrototype, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'object' && chunk !== null) {
      const level = (chunk as Record<symbol, unknown>)[LEVEL];
      if (typeof level === 'string' && !this.isLevelEnabled(level)) {
        return true;
      }
    }
    return write.call(this, chunk, ...rest);
  };
  installed = true;
}
