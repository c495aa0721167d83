import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseRetrieveRequest, retrieveRequestEnvelope, SoapFault } from './iti43';
import { DEFAULT_XML_LIMITS, parseXml, XmlError } from './xml';

const envelope = retrieveRequestEnvelope('https://h', 'urn:uuid:1', [{ repositoryUniqueId: 'R', documentUniqueId: 'D' }]);

/** The envelope with `extra` spliced into the start tag of <xdsb:RetrieveDocumentSetRequest>. */
const withAttributes = (extra: string): string => envelope.replace('<xdsb:RetrieveDocumentSetRequest>', `<xdsb:RetrieveDocumentSetRequest${extra}>`);

const soapFault = (xml: string): SoapFault => {
  try {
    parseRetrieveRequest(xml);
  } catch (err) {
    assert.ok(err instanceof SoapFault, `a SoapFault, not ${String(err)}`);
    return err;
  }
  assert.fail('the request was accepted');
};

describe('XML reader bounds (an ITI-43 request is read from anyone, before any grant check)', () => {
  it('refuses an element with ~29,000 attributes (the 250 KiB stall of issue 11) with a SOAP Sender fault, 400', () => {
    const many = Array.from({ length: 29_000 }, (_, i) => ` a${i.toString(36)}=""`).join('');
    const xml = withAttributes(many);
    assert.ok(xml.length < 256 * 1024);
    const fault = soapFault(xml);
    assert.equal(fault.code, 'Sender');
    assert.equal(fault.httpStatus, 400);
    assert.match(fault.message, /more than 64 attributes/);
  });

  it('takes exactly the limit of attributes per element, and refuses one more', () => {
    const attrs = (n: number): string => Array.from({ length: n }, (_, i) => ` a${String(i)}="x"`).join('');
    assert.equal(parseRetrieveRequest(withAttributes(attrs(DEFAULT_XML_LIMITS.maxAttributes))).documents.length, 1);
    assert.match(soapFault(withAttributes(attrs(DEFAULT_XML_LIMITS.maxAttributes + 1))).message, /attributes/);
  });

  it('refuses nesting deeper than the limit, at the limit it parses', () => {
    const nest = (n: number): string => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    assert.equal(parseXml(nest(DEFAULT_XML_LIMITS.maxDepth)).local, 'a');
    assert.throws(
      () => parseXml(nest(DEFAULT_XML_LIMITS.maxDepth + 1)),
      (e: unknown) => e instanceof XmlError && /nested deeper/.test(e.message),
    );
    assert.match(soapFault(envelope.replace('<env:Body>', `<env:Body>${nest(100)}`)).message, /nested deeper/);
  });

  it('refuses over-long element and attribute names, and documents over the size limit', () => {
    const long = 'n'.repeat(DEFAULT_XML_LIMITS.maxNameLength + 1);
    assert.throws(() => parseXml(`<${long}/>`), /name longer/);
    assert.throws(() => parseXml(`<x ${long}="1"/>`), /name longer/);
    assert.throws(() => parseXml(`<x>${' '.repeat(100)}</x>`, { maxLength: 50 }), /too large/);
    assert.match(soapFault(envelope.replace('</env:Envelope>', `<!--${'-'.repeat(0)}${'c'.repeat(256 * 1024)}--></env:Envelope>`)).message, /too large/);
  });

  it('refuses DTDs, external and custom entities (no XXE, no entity expansion)', () => {
    assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'), /DTD/);
    assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'), /DTD/);
    assert.throws(() => parseXml('<x>&e;</x>'), XmlError);
    assert.throws(() => parseXml('<x><y></x>'), XmlError);
    assert.match(soapFault(`<!DOCTYPE env:Envelope [<!ENTITY e SYSTEM "file:///etc/passwd">]>${envelope}`).message, /DTD/);
  });

  it('reads namespaces, namespaced attributes, entities and CDATA as before', () => {
    const e = parseXml('\ufeff<?xml version="1.0"?><a:x xmlns:a="urn:a" xmlns="urn:d"><a:y k="1 &amp; 2" a:k="v">t&lt;<![CDATA[<z>]]>&#x41;</a:y><w/></a:x>');
    assert.equal(e.ns, 'urn:a');
    const y = e.children[0];
    assert.ok(y && typeof y !== 'string');
    assert.deepEqual(
      [...y.attributes],
      [
        ['k', '1 & 2'],
        ['{urn:a}k', 'v'],
      ],
    );
    assert.deepEqual(y.children, ['t<', '<z>', 'A']);
    const w = e.children[1];
    assert.ok(w && typeof w !== 'string');
    assert.equal(w.ns, 'urn:d', 'the default namespace applies to elements');
    assert.throws(() => parseXml('<x a="1" a="2"/>'), /duplicate/);
    assert.throws(() => parseXml('<p:x/>'), /unbound|prefix/);
  });

  it('never fails with anything but XmlError, whatever the input (fuzz)', () => {
    const fragments = [
      '<',
      '>',
      '/',
      '=',
      '"',
      "'",
      '&',
      ';',
      '<!',
      '<?',
      '?>',
      '-->',
      '<!--',
      '<![CDATA[',
      ']]>',
      'xmlns',
      'xmlns:p',
      'p:',
      ':',
      ' ',
      'a',
      '__proto__',
      'constructor',
      '&#x0;',
      '&#1114112;',
      '&amp;',
      '\ud800',
      '\u0000',
      '<!DOCTYPE',
    ];
    const noise = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((a) => a.join('')),
    );
    // Random text, and the real envelope cut and spliced with random text.
    const input = fc.oneof(
      noise,
      fc
        .tuple(fc.nat(envelope.length), fc.nat(envelope.length), noise)
        .map(([a, b, n]) => envelope.slice(0, Math.min(a, b)) + n + envelope.slice(Math.max(a, b))),
    );
    fc.assert(
      fc.property(input, (text) => {
        try {
          parseXml(text, { maxDepth: 8, maxAttributes: 4 });
        } catch (err) {
          assert.ok(err instanceof XmlError, `unexpected ${String(err)}`);
        }
        try {
          parseRetrieveRequest(text);
        } catch (err) {
          assert.ok(err instanceof SoapFault, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
