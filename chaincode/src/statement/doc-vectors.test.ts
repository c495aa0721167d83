import * as assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical';

interface Vectors {
  studyReference: string;
  keys: Record<string, { privateJwk: JsonWebKey; thumbprint: string }>;
  steps: { name: string; transaction: string; mspId: string; claims?: Record<string, unknown>; statement: string; expect: string }[];
  finalChecks: { query: string; args: string[]; expect: unknown }[];
}

const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors.json'), 'utf8')) as Vectors;
const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'protocol.md'), 'utf8');
const section = doc.slice(doc.indexOf('## 7. Test vectors'), doc.indexOf('## 8. '));

/** The rows of the first table in `text` under a header line starting with `header`. */
function table(text: string, header: string): string[][] {
  const at = text.indexOf(header);
  assert.ok(at >= 0, `docs/protocol.md §7 has a table "${header}"`);
  const rows: string[][] = [];
  for (const line of text.slice(at).split('\n').slice(2)) {
    if (!line.startsWith('|')) {
      break;
    }
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')),
    );
  }
  return rows;
}

/** The body of the fenced block that follows `label`. */
function block(label: string): string {
  const at = section.indexOf(label);
  assert.ok(at >= 0, `docs/protocol.md §7 has "${label}"`);
  const body = /```[a-z]*\n([^\n]*)\n```/.exec(section.slice(at))?.[1];
  assert.ok(body !== undefined, `a block follows "${label}"`);
  return body;
}

function part(jws: string, index: number): string {
  return Buffer.from(jws.split('.')[index] ?? '', 'base64url').toString('utf8');
}

function signerOf(jws: string): [string, Vectors['keys'][string]] {
  const { jwk } = JSON.parse(part(jws, 0)) as { jwk: { x: string } };
  const found = Object.entries(vectors.keys).find(([, key]) => key.privateJwk.x === jwk.x);
  assert.ok(found, 'the statement is signed by one of the vector keys');
  return found;
}

/**
 * docs/protocol.md §7 is normative: an implementer must be able to reproduce
 * every vector from it. This checks that the section says what vectors.json
 * holds and that each statement follows from keys, header and claims as the
 * section describes (issue 11 item 16).
 */
describe('the test vectors of docs/protocol.md §7', () => {
  it('declare vectors.json normative and link it', () => {
    assert.match(section, /part of this specification \(normative\)/);
    assert.ok(section.includes('(../chaincode/src/statement/vectors.json)'));
    assert.ok(section.includes(vectors.studyReference));
  });

  it('list every step of vectors.json, in order, with its relay and outcome', () => {
    const rows = table(section, '| # | transaction | relay | case | expect |');
    assert.deepEqual(
      rows,
      vectors.steps.map((s, i) => [String(i + 1), s.transaction, s.mspId, s.name, s.expect]),
    );
  });

  it('list every key with its algorithm and RFC 7638 thumbprint', () => {
    const rows = table(section, '| role | alg | thumbprint |');
    assert.deepEqual(
      rows,
      Object.entries(vectors.keys).map(([role, key]) => [role, key.privateJwk.kty === 'OKP' ? 'EdDSA' : 'ES256', key.thumbprint]),
    );
  });

  it('list every expected query result', () => {
    const rows = table(section, '| query | arguments | expect |');
    assert.deepEqual(
      rows.map(([query, args, expect]): unknown[] => [query, JSON.parse(args ?? ''), JSON.parse(expect ?? '')]),
      vectors.finalChecks.map((c) => [c.query, c.args, c.expect]),
    );
  });

  it('show step 4 in full: the patient key, the statement, its canonical payload and its header', () => {
    const step = vectors.steps[3];
    assert.ok(step?.claims);
    assert.deepEqual(JSON.parse(block('Example — the patient key')), vectors.keys.patient?.privateJwk);
    assert.equal(block('Step 4, `AllowAccess`'), step.statement);
    assert.equal(block('whose payload is the canonical claims'), canonicalJson(step.claims));
    assert.equal(block('and whose protected header is'), part(step.statement, 0));
  });

  describe('reproduce every statement from key, header and claims as §7 says', () => {
    for (const [index, step] of vectors.steps.entries()) {
      it(`${String(index + 1)}. ${step.name}`, () => {
        const [header, payload, signature] = step.statement.split('.') as [string, string, string];
        const protectedHeader = JSON.parse(part(step.statement, 0)) as { alg: string; typ: string; jwk: Record<string, string> };
        const [, key] = signerOf(step.statement);
        // The header §7 describes: alg, typ, jwk (kty, crv, x[, y]: the public members), no spaces.
        const members = ['kty', 'crv', 'x', 'y'] as const;
        const publicJwk = Object.fromEntries(members.filter((m) => key.privateJwk[m] !== undefined).map((m) => [m, key.privateJwk[m]]));
        const expectedHeader = JSON.stringify({ alg: protectedHeader.alg, typ: 'isl-statement+jws', jwk: publicJwk });
        assert.equal(part(step.statement, 0), expectedHeader);
        if (step.claims !== undefined && step.expect !== 'SIGNATURE_INVALID') {
          assert.equal(part(step.statement, 1), canonicalJson(step.claims), 'the payload is the canonical claims');
        }
        const input = Buffer.from(`${header}.${payload}`);
        if (protectedHeader.alg === 'none') {
          assert.equal(signature, '', 'alg none carries no signature');
          assert.equal(step.expect, 'STATEMENT_MALFORMED');
          return;
        }
        const privateKey = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
        const valid = verify(
          protectedHeader.alg === 'EdDSA' ? null : 'sha256',
          input,
          { key: createPublicKey(privateKey), dsaEncoding: 'ieee-p1363' },
          Buffer.from(signature, 'base64url'),
        );
        assert.equal(valid, step.expect !== 'SIGNATURE_INVALID', 'verifies unless the outcome says it does not');
        if (protectedHeader.alg === 'EdDSA' && valid) {
          // Ed25519 is deterministic (RFC 8032): re-signing gives the very same string.
          assert.equal(sign(null, input, privateKey).toString('base64url'), signature);
        }
      });
    }
  });
});
