import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseRetrieveRequest, retrieveRequestEnvelope, SoapFault } from './iti43';
import { imagingDocumentSetRequestEnvelope, parseImagingDocumentSetRequest, RAD69_LIMITS, retrieveLocationUid } from './rad69';

const EVRLE = '1.2.840.10008.1.2.1';

const fault = (f: () => unknown): SoapFault => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof SoapFault, `a SoapFault, not ${String(err)}`);
    return err;
  }
  assert.fail('accepted');
};

/** A RAD-69 request as RAD TF-2 §4.69.4.1.2 shows it, written by hand with other prefixes and a default namespace. */
const HAND_WRITTEN = `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">
  <s:Header>
    <a:Action s:mustUnderstand="1">urn:ihe:rad:2009:RetrieveImagingDocumentSet</a:Action>
    <a:MessageID>urn:uuid:44b2b5a1-1c2d-4e3f-9a8b-7c6d5e4f3a2b</a:MessageID>
  </s:Header>
  <s:Body>
    <RetrieveImagingDocumentSetRequest xmlns="urn:ihe:rad:xdsi-b:2009" xmlns:iherad="urn:ihe:rad:xdsi-b:2009" xmlns:ihe="urn:ihe:iti:xds-b:2007">
      <StudyRequest studyInstanceUID="1.3.6.1.4.1.21367.201599.1.201604020954048">
        <SeriesRequest seriesInstanceUID="1.3.6.1.4.1.21367.201599.2.201604020954048">
          <ihe:DocumentRequest>
            <ihe:HomeCommunityId>urn:oid:1.3.6.1.4.1.21367.13.70.201</ihe:HomeCommunityId>
            <ihe:RepositoryUniqueId>1.3.6.1.4.1.21367.13.71.201.1</ihe:RepositoryUniqueId>
            <ihe:DocumentUniqueId>1.3.6.1.4.1.21367.201599.3.201604020954048.1</ihe:DocumentUniqueId>
          </ihe:DocumentRequest>
        </SeriesRequest>
      </StudyRequest>
      <TransferSyntaxUIDList>
        <TransferSyntaxUID>1.2.840.10008.1.2.1</TransferSyntaxUID>
        <TransferSyntaxUID>1.2.840.10008.1.2</TransferSyntaxUID>
      </TransferSyntaxUIDList>
    </RetrieveImagingDocumentSetRequest>
  </s:Body>
</s:Envelope>`;

const uid = fc.array(fc.integer({ min: 0, max: 99999 }), { minLength: 2, maxLength: 8 }).map((parts) => parts.join('.'));

describe('RAD-69 Retrieve Imaging Document Set messages', () => {
  it('reads a request written by hand from the profile’s description', () => {
    const r = parseImagingDocumentSetRequest(HAND_WRITTEN);
    assert.equal(r.messageId, 'urn:uuid:44b2b5a1-1c2d-4e3f-9a8b-7c6d5e4f3a2b');
    assert.deepEqual(r.transferSyntaxes, [EVRLE, '1.2.840.10008.1.2']);
    assert.deepEqual(r.studies, [
      {
        studyInstanceUid: '1.3.6.1.4.1.21367.201599.1.201604020954048',
        series: [
          {
            seriesInstanceUid: '1.3.6.1.4.1.21367.201599.2.201604020954048',
            documents: [
              {
                homeCommunityId: 'urn:oid:1.3.6.1.4.1.21367.13.70.201',
                repositoryUniqueId: '1.3.6.1.4.1.21367.13.71.201.1',
                documentUniqueId: '1.3.6.1.4.1.21367.201599.3.201604020954048.1',
              },
            ],
          },
        ],
      },
    ]);
  });

  it('reads back what the consumer writes (property)', () => {
    const request = fc.record({
      studies: fc.array(
        fc.record({
          studyInstanceUid: uid,
          series: fc.array(
            fc.record({
              seriesInstanceUid: uid,
              documents: fc.array(fc.record({ repositoryUniqueId: uid, documentUniqueId: uid }), { minLength: 1, maxLength: 4 }),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      transferSyntaxes: fc.array(uid, { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(request, (r) => {
        // fast-check's records have no prototype; compare plain data.
        const expected = JSON.parse(JSON.stringify({ messageId: 'urn:uuid:x', ...r })) as unknown;
        assert.deepEqual(parseImagingDocumentSetRequest(imagingDocumentSetRequestEnvelope('https://h/rad69', 'urn:uuid:x', r)), expected);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses, with a SOAP Sender fault, requests the profile does not allow or that pass the bounds', () => {
    const base = {
      studies: [{ studyInstanceUid: '1.2', series: [{ seriesInstanceUid: '1.3', documents: [{ repositoryUniqueId: '2.25.1', documentUniqueId: '1.4' }] }] }],
      transferSyntaxes: [EVRLE],
    };
    const env = (r: Parameters<typeof imagingDocumentSetRequestEnvelope>[2]): string => imagingDocumentSetRequestEnvelope('https://h/rad69', 'urn:uuid:x', r);
    const cases: [string, string, RegExp][] = [
      ['no transfer syntax', env({ ...base, transferSyntaxes: [] }), /TransferSyntaxUIDList/],
      ['a study UID that is not a UID', env({ ...base, studies: [{ ...base.studies[0]!, studyInstanceUid: '1.2.x' }] }), /studyInstanceUID/],
      [
        'a series without documents',
        env({ ...base, studies: [{ studyInstanceUid: '1.2', series: [{ seriesInstanceUid: '1.3', documents: [] }] }] }),
        /DocumentRequest/,
      ],
      ['no study', env({ ...base, studies: [] }), /StudyRequest/],
      ['the ITI-43 action', HAND_WRITTEN.replace('urn:ihe:rad:2009:RetrieveImagingDocumentSet', 'urn:ihe:iti:2007:RetrieveDocumentSet'), /Action/],
      [
        'too many documents',
        env({
          ...base,
          studies: [
            {
              studyInstanceUid: '1.2',
              series: [
                {
                  seriesInstanceUid: '1.3',
                  documents: Array.from({ length: RAD69_LIMITS.maxDocuments + 1 }, (_, i) => ({ repositoryUniqueId: '2', documentUniqueId: `1.${String(i)}` })),
                },
              ],
            },
          ],
        }),
        /DocumentRequest/,
      ],
      ['a body over 1 Mi characters', env(base).replace('</env:Envelope>', `<!--${'c'.repeat(RAD69_LIMITS.maxChars)}--></env:Envelope>`), /too large/],
    ];
    for (const [what, xml, message] of cases) {
      const f = fault(() => parseImagingDocumentSetRequest(xml));
      assert.equal(f.httpStatus, 400, what);
      assert.match(f.message, message, what);
    }
  });

  it('never fails with anything but SoapFault, whatever the envelope holds (fuzz)', () => {
    const pieces = fc.constantFrom(
      '<iherad:StudyRequest studyInstanceUID="1.2">',
      '</iherad:StudyRequest>',
      '<iherad:SeriesRequest seriesInstanceUID="1">',
      '</iherad:SeriesRequest>',
      '<xdsb:DocumentRequest><xdsb:RepositoryUniqueId>1</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>2</xdsb:DocumentUniqueId></xdsb:DocumentRequest>',
      '<iherad:TransferSyntaxUIDList><iherad:TransferSyntaxUID>1.2</iherad:TransferSyntaxUID></iherad:TransferSyntaxUIDList>',
      '<x>',
      '&amp;',
      '"',
    );
    const skeleton = imagingDocumentSetRequestEnvelope('https://h', 'urn:uuid:x', { studies: [], transferSyntaxes: [] });
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 20 })), { maxLength: 30 }), (parts) => {
        const xml = skeleton.replace('<iherad:TransferSyntaxUIDList>', `${parts.join('')}<iherad:TransferSyntaxUIDList>`);
        try {
          parseImagingDocumentSetRequest(xml);
        } catch (err) {
          assert.ok(err instanceof SoapFault, String(err));
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('derives the source’s Retrieve Location UID from its key id: a valid UID under 2.25, one per source', () => {
    const a = retrieveLocationUid('T1s4Zq0cMmxd8xK1jzq0RLo8a1xJH9bqXp3XKk0mZ4Y');
    assert.match(a, /^2\.25\.[1-9][0-9]*$/);
    assert.ok(a.length <= 64);
    assert.equal(retrieveLocationUid('T1s4Zq0cMmxd8xK1jzq0RLo8a1xJH9bqXp3XKk0mZ4Y'), a);
    assert.notEqual(retrieveLocationUid('U1s4Zq0cMmxd8xK1jzq0RLo8a1xJH9bqXp3XKk0mZ4Y'), a);
    // An RFC 9562 version-8 UUID: version nibble 8, variant bits 10.
    const hex = BigInt(a.slice(5)).toString(16).padStart(32, '0');
    assert.equal(hex[12], '8');
    assert.ok(['8', '9', 'a', 'b'].includes(hex[16] ?? ''));
  });
});

describe('ITI-43 isl:DocumentContent: the instances only when asked for', () => {
  const docs = [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }];
  it('is the manifest by default and instances when the header block says so', () => {
    assert.equal(parseRetrieveRequest(retrieveRequestEnvelope('https://h/', 'urn:uuid:1', docs)).content, 'manifest');
    assert.equal(parseRetrieveRequest(retrieveRequestEnvelope('https://h/', 'urn:uuid:1', docs, 'instances')).content, 'instances');
  });

  it('refuses any other value', () => {
    const xml = retrieveRequestEnvelope('https://h/', 'urn:uuid:1', docs, 'instances').replace('>instances<', '>everything<');
    assert.match(fault(() => parseRetrieveRequest(xml)).message, /DocumentContent/);
  });
});
