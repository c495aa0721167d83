import { strict as assert } from 'node:assert';
import { imageSourceSettings, loadImageSourceConfig } from './config';

describe('image source configuration', () => {
  it('fails fast, naming every missing setting', () => {
    assert.throws(
      () => loadImageSourceConfig({}),
      (err: Error) => ['ISL_CONNECTION_PROFILE', 'ISL_ORG', 'ISL_RUN_DIR'].every((k) => err.message.includes(k)),
    );
  });
  it('rejects a malformed retry interval and log level', () => {
    const base = { ISL_CONNECTION_PROFILE: 'p', ISL_ORG: 'o', ISL_RUN_DIR: 'r' };
    assert.throws(() => loadImageSourceConfig({ ...base, ISL_DISCLOSURE_RETRY_MS: 'soon' }), /ISL_DISCLOSURE_RETRY_MS/);
    assert.throws(() => loadImageSourceConfig({ ...base, ISL_LOG_LEVEL: 'loud' }), /ISL_LOG_LEVEL/);
  });
  it('reads back exactly the settings a launcher writes', () => {
    const written = { profilePath: '/run/connection.json', org: 'Hospital2MSP', runDir: '/run', disclosureRetryMs: 250, logLevel: 'warn' };
    assert.deepEqual(loadImageSourceConfig(imageSourceSettings(written)), written);
    assert.deepEqual(loadImageSourceConfig(imageSourceSettings({ profilePath: 'p', org: 'o', runDir: 'r' })), {
      profilePath: 'p',
      org: 'o',
      runDir: 'r',
      disclosureRetryMs: 5_000,
      logLevel: 'info',
    });
  });
});
