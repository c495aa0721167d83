#!/usr/bin/env node
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';

/** The gateway application of one member organisation (started per organisation by npm start): configuration from the environment, stopped by a signal. */
async function main(): Promise<void> {
  const gateway = await startGateway(loadGatewayConfig());
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      return;
    }
    closing = true;
    gateway.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
