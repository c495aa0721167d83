import { strict as assert } from 'node:assert';
import { LedgerRejection, LedgerUnavailable, OutcomeUnknown, TransactionInvalid, findRejection } from '../ledger/errors';
import { UploadError } from '../publishing/dicom-upload';
import { ImageSourceUnavailable } from '../publishing/local-publisher';
import { PublishError } from '../publishing/publisher';
import { OrthancError } from '../pacs/orthanc-client';
import { ErrorCodes } from '@isl/chaincode';
import { originalTransaction, toHttpError } from './http-errors';

describe('HTTP mapping of ledger errors', () => {
  it("maps the chaincode's codes to 4xx with its own message", () => {
    const cases: [ConstructorParameters<typeof LedgerRejection>[0], number][] = [
      ['SIGNATURE_INVALID', 400],
      ['STATEMENT_EXPIRED', 400],
      ['STUDY_NOT_FOUND', 404],
      ['STUDY_EXISTS', 409],
      ['RELAY_NOT_AUTHORISED', 403],
      ['STATEMENT_TOO_LARGE', 413],
    ];
    for (const [code, status] of cases) {
      const mapped = toHttpError(new LedgerRejection(code, `${code}: detail`));
      assert.equal(mapped?.status, status, code);
      assert.deepEqual(mapped.body, { type: `urn:isl:problem:${code}`, title: ErrorCodes[code], status, detail: `${code}: detail`, code });
    }
  });

  it('maps an unreachable network to 503 and an invalidated transaction to 409 naming it; anything else is a bug (undefined → 500)', () => {
    const unavailable = toHttpError(new LedgerUnavailable('down'));
    assert.equal(unavailable?.status, 503);
    assert.equal(unavailable.headers?.['retry-after'], '5', 'a 503 says when to try again');
    const unknown = toHttpError(new OutcomeUnknown('cd'.repeat(32), 'no status'));
    assert.deepEqual([unknown?.status, unknown?.body.transactionId, unknown?.headers?.['retry-after']], [504, 'cd'.repeat(32), '2']);
    const invalid = toHttpError(new TransactionInvalid('ab'.repeat(32), 'ENDORSEMENT_POLICY_FAILURE'));
    assert.equal(invalid?.status, 409);
    assert.deepEqual(
      [invalid.body.code, invalid.body.validationCode, invalid.body.transactionId],
      ['TRANSACTION_INVALID', 'ENDORSEMENT_POLICY_FAILURE', 'ab'.repeat(32)],
    );
    assert.equal(toHttpError(new Error('boom')), undefined);
  });

  it("names Fastify's own errors in the protocol's codes, never FST_*", () => {
    const cases: [unknown, { oversized?: 'STATEMENT_TOO_LARGE' }, number, string][] = [
      [
        { message: 'x', statusCode: 400, validation: [{ keyword: 'maxLength', instancePath: '/statement' }], validationContext: 'body' },
        { oversized: 'STATEMENT_TOO_LARGE' },
        413,
        'STATEMENT_TOO_LARGE',
      ],
      [
        { message: 'x', statusCode: 400, validation: [{ keyword: 'pattern', instancePath: '/source' }], validationContext: 'params' },
        {},
        400,
        'ARGUMENT_INVALID',
      ],
      [{ message: 'x', statusCode: 400, validation: [{ keyword: 'required', instancePath: '' }], validationContext: 'body' }, {}, 400, 'REQUEST_INVALID'],
      [{ message: 'x', statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, { oversized: 'STATEMENT_TOO_LARGE' }, 413, 'STATEMENT_TOO_LARGE'],
      [{ message: 'x', statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, {}, 413, 'BODY_TOO_LARGE'],
      [{ message: 'x', statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }, {}, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ message: 'x', statusCode: 400, code: 'FST_ERR_BAD_URL' }, {}, 400, 'ARGUMENT_INVALID'],
      [{ message: 'x', statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }, {}, 400, 'REQUEST_INVALID'],
    ];
    for (const [err, context, status, code] of cases) {
      const mapped = toHttpError(err, context);
      assert.deepEqual([mapped?.status, mapped?.body.code], [status, code], JSON.stringify(err));
      assert.doesNotMatch(JSON.stringify(mapped), /FST_/);
    }
  });

  it('finds the code in a gateway error detail and the original transaction of a replay', () => {
    const tx = 'c'.repeat(64);
    const found = findRejection([
      '10 ABORTED: failed to endorse',
      `chaincode response 500, STATEMENT_REPLAYED: AllowAccess statement x already took effect in transaction ${tx}`,
    ]);
    assert.equal(found?.code, 'STATEMENT_REPLAYED');
    assert.equal(originalTransaction(new LedgerRejection('STATEMENT_REPLAYED', found.message)), tx);
    assert.equal(findRejection(['NOT_A_CODE: x', 'plain failure']), undefined);
  });

  it('maps refused publications to 4xx with their code, and a missing image source or PACS to 503', () => {
    const cases: [Error, number, string][] = [
      [new PublishError('SEVERAL_STUDIES', 'x'), 400, 'SEVERAL_STUDIES'],
      [new PublishError('ALREADY_PUBLISHED', 'x'), 409, 'ALREADY_PUBLISHED'],
      [new PublishError('PUBLICATION_NOT_FOUND', 'x'), 404, 'PUBLICATION_NOT_FOUND'],
      [new PublishError('CONSENT_MISMATCH', 'x'), 400, 'CONSENT_MISMATCH'],
      [new UploadError('UNSUPPORTED_MEDIA_TYPE', 'x'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [new UploadError('UPLOAD_TOO_LARGE', 'x'), 413, 'UPLOAD_TOO_LARGE'],
      [new UploadError('MALFORMED_MULTIPART', 'x'), 400, 'MALFORMED_MULTIPART'],
      [new ImageSourceUnavailable('x'), 503, 'IMAGE_SOURCE_UNAVAILABLE'],
      [new OrthancError('bad file', 400), 400, 'PACS_REJECTED'],
      [new OrthancError('no answer'), 503, 'PACS_UNAVAILABLE'],
      [new OrthancError('internal', 500), 503, 'PACS_UNAVAILABLE'],
    ];
    for (const [err, status, code] of cases) {
      const mapped = toHttpError(err);
      assert.equal(mapped?.status, status, code);
      assert.equal(mapped.body.code, code);
    }
  });
});
