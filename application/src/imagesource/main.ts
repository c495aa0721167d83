#!/usr/bin/env node
import { loadImageSourceConfig } from './config';
import { startImageSource } from './start-image-source';

/** One organisation's image source (started per organisation by npm start): configuration from the environment, stopped by a signal. */
async function main(): Promise<void> {
  const source = await startImageSource(loadImageSourceConfig());
  let closing = false;
  const shutdown = (): void => {
    if (closing) {
      return;
    }
    closing = true;
    void source.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`image source: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
