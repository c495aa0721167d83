import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { faultEnvelope, parseRetrieveRequest, responseEnvelope, retrieveRequestEnvelope, SoapFault, Status, statusOf } from './iti43';
import { parseMediaType } from './media-type';
import { MultipartError, MultipartParser, parseMultipartBuffer } from './multipart';
import { MultipartWriter, multipartBody } from './multipart-writer';
import { mtomMessage, MtomWriter, soapEnvelopeOf } from './mtom';
import { parseXml } from './xml';

describe('multipart parser', () => {
  it('splits parts at any chunking, keeping binary bodies intact', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 50 }), (bodies, step) => {
        const boundary = 'b0undary';
        const wire = multipartBody(
          new MultipartWriter(boundary),
          bodies.map((b) => ({ headers: { 'Content-Type': 'application/dicom' }, body: Buffer.from(b) })),
        );
        const got: Buffer[] = [];
        const parser = new MultipartParser(boundary, () => {
          const chunks: Buffer[] = [];
          return { data: (c) => chunks.push(Buffer.from(c)), end: () => got.push(Buffer.concat(chunks)) };
        });
        for (let i = 0; i < wire.length; i += step) parser.push(wire.subarray(i, i + step));
        parser.end();
        assert.deepEqual(
          got.map((g) => g.toString('hex')),
          bodies.map((b) => Buffer.from(b).toString('hex')),
        );
      }),
    );
  });

  it('enforces the 8 KiB part-header cap even when the whole header block arrives at once', () => {
    const big = `--b\r\nX-Pad: ${'p'.repeat(20 * 1024)}\r\n\r\nbody\r\n--b--\r\n`;
    assert.throws(
      () => parseMultipartBuffer(Buffer.from(big), 'b'),
      (e: unknown) => e instanceof MultipartError && /part headers too large/.test(e.message),
    );
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

describe('multipart writer', () => {
  it('frames parts as RFC 2046 §5.1.1 does: CRLF, delimiter, headers, blank line; close delimiter last', () => {
    const mime = new MultipartWriter('b');
    const body = multipartBody(mime, [
      { headers: { 'Content-Type': 'text/plain' }, body: 'one' },
      { headers: { 'Content-Type': 'text/plain', 'Content-ID': '<2@x>' }, body: 'two' },
    ]);
    assert.equal(body.toString(), '--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/plain\r\nContent-ID: <2@x>\r\n\r\ntwo\r\n--b--\r\n');
  });

  it('refuses a boundary RFC 2046 does not allow, and makes a fresh one by default', () => {
    for (const bad of ['', 'ends with space ', 'x'.repeat(71), 'quote"d', 'new\nline']) {
      assert.throws(() => new MultipartWriter(bad), RangeError, JSON.stringify(bad));
    }
    assert.notEqual(new MultipartWriter().boundary, new MultipartWriter().boundary);
  });

  it('writes MTOM messages the ITI-43 reader takes apart again', () => {
    const envelope = '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"/>';
    const request = mtomMessage(envelope, { action: 'urn:ihe:iti:2007:RetrieveDocumentSet' });
    assert.match(request.contentType, /action="urn:ihe:iti:2007:RetrieveDocumentSet"$/);
    assert.equal(soapEnvelopeOf(request.contentType, request.body), envelope);

    const mtom = new MtomWriter('root@t');
    const streamed = Buffer.from(mtom.root(envelope, 'urn:a') + mtom.attachment('1@t') + 'DICM' + mtom.close());
    const type = parseMediaType(mtom.contentType('urn:a'));
    assert.equal(soapEnvelopeOf(mtom.contentType('urn:a'), streamed), envelope);
    const parts = parseMultipartBuffer(streamed, type?.params.get('boundary') ?? '');
    assert.deepEqual(
      parts.map((p) => [p.headers.get('content-id'), p.body.toString()]),
      [
        ['<root@t>', envelope],
        ['<1@t>', 'DICM'],
      ],
    );
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
    const wrong = retrieveRequestEnvelope('https://h/', 'urn:uuid:1', [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }]).replace(
      'urn:ihe:iti:2007:RetrieveDocumentSet',
      'urn:ihe:iti:2007:RegistryStoredQuery',
    );
    assert.throws(
      () => parseRetrieveRequest(wrong),
      (e: unknown) => e instanceof SoapFault && e.subcode === 'wsa:ActionNotSupported',
    );
    assert.throws(() => parseRetrieveRequest('<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>'), SoapFault);
  });

  it('chooses the RegistryResponse status per the spec', () => {
    assert.equal(statusOf(1, 0), Status.Success);
    assert.equal(statusOf(1, 1), Status.PartialSuccess);
    assert.equal(statusOf(0, 1), Status.Failure);
  });

  it('writes well-formed response and fault envelopes', () => {
    const r = parseXml(
      responseEnvelope({
        relatesTo: 'urn:uuid:1',
        status: Status.Failure,
        errors: [{ errorCode: 'XDSDocumentUniqueIdError', codeContext: 'a<b', location: 'D' }],
        documents: [],
      }),
    );
    assert.equal(r.local, 'Envelope');
    assert.equal(parseXml(faultEnvelope(new SoapFault('x & y', { subcode: 'wsse:FailedCheck' }))).local, 'Envelope');
  });
});

// parseMediaType is hand-written (see media-type.ts): any text is either parsed or answered
// with undefined, never an exception or a hang (a hang fails the test by its timeout).
describe('media type parsing under fuzzing', () => {
  const fragments = fc.constantFrom(
    'multipart/related',
    'application/dicom',
    'a/b',
    '/',
    ';',
    '=',
    '"',
    '\\',
    ' ',
    '\t',
    ',',
    'type',
    'boundary',
    'x',
    '*',
    '\u00e9',
    '\r\n',
  );

  it('answers a MediaType or undefined for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(fragments, { maxLength: 80 }).map((p) => p.join('')),
        ),
        (text) => {
          const got = parseMediaType(text);
          if (got !== undefined) {
            assert.match(got.type, /^[^/\s]+\/[^/\s]+$/);
            for (const [name] of got.params) assert.match(name, /^[!#$%&'*+.^_`|~0-9a-z-]+$/);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('takes header-sized hostile inputs (16 KiB) without hanging', () => {
    const big = 16 * 1024;
    for (const text of [
      `a/b${';x="\\'.repeat(big / 5)}`,
      `a/b${';'.repeat(big)}`,
      `a/b${';x'.repeat(big / 2)}`,
      `a/b;x="${'\\"'.repeat(big / 2)}`,
      `a/b${'; x=y'.repeat(big / 5)}`,
      '='.repeat(big),
    ]) {
      parseMediaType(text);
    }
  });
});
