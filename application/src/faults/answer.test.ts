import { strict as assert } from 'node:assert';
import { classifyHttpAnswer, classifyTransportFailure } from './answer';

describe('what a client was told (fault harness)', () => {
  const tx = 'ab'.repeat(32);

  it('takes 200/201 with a transaction as acknowledged, and a 2xx without one as unclear', () => {
    assert.deepEqual(classifyHttpAnswer({ status: 201, retryAfter: undefined, body: { transactionId: tx, alreadyApplied: false } }), {
      kind: 'acknowledged',
      status: 201,
      transactionId: tx,
      alreadyApplied: false,
    });
    assert.equal(classifyHttpAnswer({ status: 200, retryAfter: undefined, body: { transactionId: tx, alreadyApplied: true } }).alreadyApplied, true);
    assert.equal(classifyHttpAnswer({ status: 200, retryAfter: undefined, body: {} }).kind, 'unclear');
  });

  it('counts a 503 as clear only with a protocol code and a Retry-After in seconds', () => {
    assert.equal(classifyHttpAnswer({ status: 503, retryAfter: '5', body: { code: 'LEDGER_UNAVAILABLE' } }).kind, 'retry-later');
    assert.equal(classifyHttpAnswer({ status: 503, retryAfter: undefined, body: { code: 'LEDGER_UNAVAILABLE' } }).kind, 'unclear');
    assert.equal(classifyHttpAnswer({ status: 503, retryAfter: '5', body: undefined }).kind, 'unclear');
    assert.equal(classifyHttpAnswer({ status: 503, retryAfter: 'soon', body: { code: 'OVERLOADED' } }).kind, 'unclear');
  });

  it('counts a 504 as clear only when it is OUTCOME_UNKNOWN naming the transaction', () => {
    assert.deepEqual(classifyHttpAnswer({ status: 504, retryAfter: '2', body: { code: 'OUTCOME_UNKNOWN', transactionId: tx } }), {
      kind: 'outcome-unknown',
      status: 504,
      code: 'OUTCOME_UNKNOWN',
      transactionId: tx,
    });
    assert.equal(classifyHttpAnswer({ status: 504, retryAfter: '2', body: { code: 'OUTCOME_UNKNOWN' } }).kind, 'unclear');
  });

  it('takes a 4xx with a code as a refusal; a 500, a 502 or a 4xx without a code are unclear', () => {
    assert.equal(classifyHttpAnswer({ status: 409, retryAfter: undefined, body: { code: 'TRANSACTION_INVALID' } }).kind, 'refused');
    assert.equal(classifyHttpAnswer({ status: 400, retryAfter: undefined, body: 'oops' }).kind, 'unclear');
    assert.equal(classifyHttpAnswer({ status: 500, retryAfter: undefined, body: { code: 'INTERNAL' } }).kind, 'unclear');
    assert.equal(classifyHttpAnswer({ status: 502, retryAfter: '1', body: { code: 'X' } }).kind, 'unclear');
  });

  it('tells a request that never left (refused, unreachable) from one cut off after it was sent, and from a timeout', () => {
    assert.equal(classifyTransportFailure('ECONNREFUSED', false).kind, 'not-delivered');
    assert.equal(classifyTransportFailure('EHOSTUNREACH', false).kind, 'not-delivered');
    assert.equal(classifyTransportFailure('ECONNRESET', false).kind, 'cut-off');
    assert.equal(classifyTransportFailure(undefined, false).kind, 'cut-off');
    assert.equal(classifyTransportFailure('ECONNRESET', true).kind, 'timeout');
    assert.equal(classifyTransportFailure('ETIMEDOUT', false).kind, 'timeout');
  });
});
