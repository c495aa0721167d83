import { strict as assert } from 'node:assert';
import { loadGatewayConfig } from './config';

describe('gateway configuration', () => {
  it('fails fast, naming every missing setting', () => {
    assert.throws(
      () => loadGatewayConfig({}),
      (err: Error) => ['ISL_CONNECTION_PROFILE', 'ISL_ORG', 'ISL_GATEWAY_STATE_DIR'].every((k) => err.message.includes(k)),
    );
  });
  it('rejects a malformed port', () => {
    assert.throws(
      () => loadGatewayConfig({ ISL_CONNECTION_PROFILE: 'p', ISL_ORG: 'o', ISL_GATEWAY_STATE_DIR: 's', ISL_GATEWAY_PORT: 'http' }),
      /ISL_GATEWAY_PORT/,
    );
  });
  it('derives its files from the state folder', () => {
    const c = loadGatewayConfig({ ISL_CONNECTION_PROFILE: 'p', ISL_ORG: 'Hospital1MSP', ISL_GATEWAY_STATE_DIR: '/var/isl', ISL_GATEWAY_PORT: '8080' });
    assert.equal(c.port, 8080);
    assert.equal(c.tokensFile, '/var/isl/tokens.json');
    assert.equal(c.checkpointFile, '/var/isl/events.checkpoint');
  });
});
