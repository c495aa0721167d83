import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { faultEnvelope, parseRetrieveRequest, responseEnvelope, SoapFault, Status, statusOf } from './iti43';
import { parseMediaType } from './media-type';
import { MultipartError, MultipartParser, parseMultipartBuffer } from './multipart';
import { retrieveRequestEnvelope } from './retrieve-client';
import { parseXml } from './xml';

describe('multipart parser', () => {
  it('splits parts at any chunking, keeping binary bodies intact', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 50 }), (bodies, step) => {
        const boundary = 'b0undary';
        const wire = Buffer.concat([
          ...bodies.flatMap((b) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(b), Buffer.from('\r\n')]),
          Buffer.from(`--${boundary}--\r\n`),
        ]);
        const got: Buffer[] = [];
        const parser = new MultipartParser(boundary, () => {
          const chunks: Buffer[] = [];
          return { data: (c) => chunks.push(Buffer.from(c)), end: () => got.push(Buffer.concat(chunks)) };
        });
        for (let i = 0; i < wire.length; i += step) parser.push(wire.subarray(i, i + step));
        parser.end();
        assert.deepEqual(got.map((g) => g.toString('hex')), bodies.map((b) => Buffer.from(b).toString('hex')));
      }),
    );
  });

  it('enforces the 8 KiB part-header cap even when the whole header block arrives at once', () => {
    const big = `--b\r\nX-Pad: ${'p'.repeat(20 * 1024)}\r\n\r\nbody\r\n--b--\r\n`;
    assert.throws(() => parseMultipartBuffer(Buffer.from(big), 'b'), (e: unknown) => e instanceof MultipartError && /part headers too large/.test(e.message));
    // In small chunks too, and one byte under the cap is fine.
    const parser = new MultipartParser('b', () => ({ data: () => undefined, end: () => undefined }));
    assert.throws(() => {
      for (let i = 0; i < big.length; i += 100) parser.push(Buffer.from(big.slice(i, i + 100)));
    }, /part headers too large/);
    const pad = 8 * 1024 - 'X-Pad: \r\n'.length - 2;
    assert.equal(parseMultipartBuffer(Buffer.from(`--b\r\nX-Pad: ${'p'.repeat(pad)}\r\n\r\nbody\r\n--b--\r\n`), 'b')[0]?.body.toString(), 'body');
  });

  it('reports a body cut before the close delimiter', () => {
    assert.throws(() => parseMultipartBuffer(Buffer.from('--b\r\n\r\nabc\r\n--b\r\n\r\nde'), 'b'), /ended early/);
  });
});

describe('media types', () => {
  it('reads quoted parameters', () => {
    const t = parseMediaType('Multipart/Related; type="application/xop+xml"; boundary="a b;c"; start="<x@y>"');
    assert.ok(t);
    assert.equal(t.type, 'multipart/related');
    assert.equal(t.params.get('boundary'), 'a b;c');
    assert.equal(t.params.get('start'), '<x@y>');
    assert.equal(parseMediaType('not a type'), undefined);
  });
});

describe('ITI-43 messages', () => {
  it('reads the request our client writes', () => {
    const req = parseRetrieveRequest(retrieveRequestEnvelope('https://h/', 'urn:uuid:1', [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }]));
    assert.equal(req.messageId, 'urn:uuid:1');
    assert.deepEqual(req.documents, [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }]);
  });

  it('faults a wrong WS-Addressing action and an envelope that is not SOAP 1.2', () => {
    const wrong = retrieveRequestEnvelope('https://h/', 'urn:uuid:1', [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }]).replace('urn:ihe:iti:2007:RetrieveDocumentSet', 'urn:ihe:iti:2007:RegistryStoredQuery');
    assert.throws(() => parseRetrieveRequest(wrong), (e: unknown) => e instanceof SoapFault && e.subcode === 'wsa:ActionNotSupported');
    assert.throws(() => parseRetrieveRequest('<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>'), SoapFault);
  });

  it('chooses the RegistryResponse status per the spec', () => {
    assert.equal(statusOf(1, 0), Status.Success);
    assert.equal(statusOf(1, 1), Status.PartialSuccess);
    assert.equal(statusOf(0, 1), Status.Failure);
  });

  it('writes well-formed response and fault envelopes', () => {
    const r = parseXml(responseEnvelope({ relatesTo: 'urn:uuid:1', status: Status.Failure, errors: [{ errorCode: 'XDSDocumentUniqueIdError', codeContext: 'a<b', location: 'D' }], documents: [] }));
    assert.equal(r.local, 'Envelope');
    assert.equal(parseXml(faultEnvelope(new SoapFault('x & y', { subcode: 'wsse:FailedCheck' }))).local, 'Envelope');
  });
});
