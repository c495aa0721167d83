import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { canonicalUri, MisdirectedRequest, removeDotSegments, requestTargetUri, TargetUriError } from './target-uri';

describe('canonical target URI (RFC 3986 §6.2.2, §6.2.3)', () => {
  it('normalises case, default port, empty path, percent-encoding and dot segments', () => {
    assert.equal(canonicalUri('HTTPS://Hospital1.Example:443').href, 'https://hospital1.example/');
    assert.equal(canonicalUri('https://127.0.0.1:7060').href, 'https://127.0.0.1:7060/');
    assert.equal(canonicalUri('https://127.0.0.1:7060/').href, 'https://127.0.0.1:7060/');
    assert.equal(canonicalUri('https://h/%7euser/./a/../%73tudies/%2f?%2a=%41#frag').href, 'https://h/~user/studies/%2F?%2A=A');
    assert.equal(canonicalUri('http://h:80/a').href, 'http://h/a');
    assert.equal(canonicalUri('https://[::1]:7060/x').href, 'https://[::1]:7060/x');
  });

  it('implements remove_dot_segments as RFC 3986 §5.2.4 examples show', () => {
    assert.equal(removeDotSegments('/a/b/c/./../../g'), '/a/g');
    assert.equal(removeDotSegments('mid/content=5/../6'), 'mid/6');
    assert.equal(removeDotSegments('/../../x'), '/x');
    assert.equal(removeDotSegments('//evil/../studies/x'), '//studies/x');
  });

  it('refuses malformed percent-encoding, user information, other schemes and bad characters', () => {
    for (const bad of [
      'https://h/studies/%ZZ',
      'https://h/%',
      'https://h/%4',
      'https://u:p@h/',
      'ftp://h/',
      'https://h/a b',
      'https://h/\\..\\x',
      'https://h:99999/',
      'https://h%41/',
    ]) {
      assert.throws(() => canonicalUri(bad), TargetUriError, bad);
    }
  });

  it('binds a request-target to the registered origin: absolute-form elsewhere is misdirected, //host is a path', () => {
    const registered = canonicalUri('https://127.0.0.1:7060');
    assert.equal(requestTargetUri('/studies/abc', registered).href, 'https://127.0.0.1:7060/studies/abc');
    assert.equal(requestTargetUri('//evil.example/studies/abc', registered).href, 'https://127.0.0.1:7060//evil.example/studies/abc');
    assert.equal(requestTargetUri('HTTPS://127.0.0.1:7060/%73tudies/abc', registered).href, 'https://127.0.0.1:7060/studies/abc');
    assert.throws(() => requestTargetUri('https://evil.example/studies/abc', registered), MisdirectedRequest);
    assert.throws(() => requestTargetUri('https://127.0.0.1:7061/', registered), MisdirectedRequest);
    assert.throws(() => requestTargetUri('*', registered), TargetUriError);
    assert.throws(() => requestTargetUri('/studies/%ZZ', registered), TargetUriError);
  });

  it('is idempotent and throws nothing but TargetUriError (property)', () => {
    const piece = fc.constantFrom(
      'a',
      'B',
      '/',
      '.',
      '..',
      '%',
      '%2e',
      '%2F',
      '%7e',
      '%zz',
      '~',
      '?',
      '#',
      ':',
      '@',
      '[',
      ']',
      ' ',
      '\\',
      'é',
      '%C3%A9',
      '%FF',
    );
    const path = fc.array(piece, { maxLength: 20 }).map((a) => a.join(''));
    fc.assert(
      fc.property(
        fc.constantFrom('https://', 'HTTP://', 'https://u@'),
        fc.constantFrom('h', 'H.example', '[::1]', 'h:443', 'h:0443', 'h:'),
        path,
        (scheme, host, p) => {
          let once;
          try {
            once = canonicalUri(`${scheme}${host}${p.startsWith('/') || p === '' ? p : `/${p}`}`);
          } catch (err) {
            assert.ok(err instanceof TargetUriError, String(err));
            return;
          }
          assert.equal(canonicalUri(once.href).href, once.href);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
