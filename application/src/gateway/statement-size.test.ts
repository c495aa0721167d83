import { strict as assert } from 'node:assert';
import { Limits } from '@isl/chaincode';
import { PROBLEM_MEDIA_TYPE } from './problem';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway-fixture';

/**
 * docs/protocol.md ("Limits"): a statement over 8192 characters (a consent over 4096), or a body
 * over 64 KiB carrying one, is answered 413 STATEMENT_TOO_LARGE on the relay and consent routes,
 * before anything reaches the ledger or the publisher.
 */
describe('an oversized statement is 413 STATEMENT_TOO_LARGE (real HTTP)', () => {
  let f: GatewayFixture;
  beforeEach(async () => {
    f = await startGatewayFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const post = async (path: string, body: string, token: string | undefined): Promise<{ status: number; code: unknown; type: string | undefined }> => {
    const answer = await fetch(`${f.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body,
    });
    const text = await answer.text();
    return { status: answer.status, code: (JSON.parse(text) as { code?: unknown }).code, type: answer.headers.get('content-type')?.split(';')[0] };
  };
  const tooLarge = { status: 413, code: 'STATEMENT_TOO_LARGE', type: PROBLEM_MEDIA_TYPE };

  for (const [path, token] of [
    ['/api/v1/statements', undefined],
    ['/api/v1/statements', 'member'],
    ['/api/v1/grants', undefined],
    ['/api/v1/sources', 'member'],
  ] as const) {
    it(`POST ${path} (${token ?? 'no token'}): one character over the limit, or a body over 64 KiB, is refused; at the limit it is relayed`, async () => {
      const bearer = token === undefined ? undefined : f.tokens[token];
      const over = await post(path, JSON.stringify({ statement: 'x'.repeat(Limits.maxStatementLength + 1) }), bearer);
      assert.deepEqual(over, tooLarge);
      const huge = await post(path, JSON.stringify({ statement: 'x'.repeat(70_000) }), bearer);
      assert.deepEqual(huge, tooLarge);
      assert.deepEqual(f.reached.ledger, [], 'an oversized statement reached the ledger');
      // At the limit it passes (the limit is the protocol's, not lower): relayed, or on /statements refused for its missing type claim.
      const at = await post(path, JSON.stringify({ statement: 'x'.repeat(Limits.maxStatementLength) }), bearer);
      assert.deepEqual([at.status, at.code], path === '/api/v1/statements' ? [400, 'STATEMENT_TYPE_UNKNOWN'] : [201, undefined]);
    });
  }

  it('POST /api/v1/publications/{reference}/consent: a consent over 4096 characters, or a body over 64 KiB, is refused before the publisher sees it', async () => {
    const path = `/api/v1/publications/${'A'.repeat(43)}/consent`;
    assert.deepEqual(await post(path, JSON.stringify({ consent: 'x'.repeat(Limits.maxConsentLength + 1) }), f.tokens.member), tooLarge);
    assert.deepEqual(await post(path, JSON.stringify({ consent: 'x'.repeat(70_000) }), f.tokens.member), tooLarge);
    assert.deepEqual(f.reached.publisher, [], 'an oversized consent reached the publisher');
    // At the limit it reaches the publisher (the fixture's holds no staged study).
    const at = await post(path, JSON.stringify({ consent: 'x'.repeat(Limits.maxConsentLength) }), f.tokens.member);
    assert.deepEqual([at.status, at.code], [404, 'PUBLICATION_NOT_FOUND']);
  });
});
