import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { PolicyParseError } from './errors';
import { parseSignaturePolicy } from './parser';
import { and, formatSignaturePolicy, or, outOf, signedBy, type SignaturePolicyRule } from './signature-policy';

function parseError(policy: string, options = {}): PolicyParseError {
  try {
    parseSignaturePolicy(policy, options);
  } catch (error) {
    assert.ok(error instanceof PolicyParseError, `expected PolicyParseError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(policy)} to be rejected`);
}

describe('parseSignaturePolicy', () => {
  it('parses nested AND/OR/OutOf into n-out-of gates like Fabric policydsl', () => {
    const parsed = parseSignaturePolicy("OR(AND('Org1MSP.peer', 'Org2MSP.peer'), OutOf(2, 'Org3MSP.member', 'Org4MSP.peer', 'Org5MSP.admin'))");
    assert.equal(parsed.principalCount, 5);
    assert.equal(parsed.depth, 2);
    assert.equal(parsed.rule.n, 1);
    const [first, second] = parsed.rule.rules;
    assert.deepEqual(first, and([signedBy({ mspId: 'Org1MSP', role: 'peer' }), signedBy({ mspId: 'Org2MSP', role: 'peer' })]));
    assert.ok(second?.type === 'outOf');
    assert.equal(second.n, 2);
    assert.deepEqual(second.rules[2], signedBy({ mspId: 'Org5MSP', role: 'admin' }));
  });

  it('accepts every gate spelling Fabric registers and both quote styles', () => {
    for (const gate of ['AND', 'And', 'and', 'OR', 'Or', 'or']) {
      assert.equal(parseSignaturePolicy(`${gate}('A.peer', "B.peer")`).principalCount, 2);
    }
    for (const gate of ['OutOf', 'outof', 'OUTOF']) {
      assert.equal(parseSignaturePolicy(`${gate}(1, 'A.peer')`).rule.n, 1);
    }
  });

  it("takes the MSP ID greedily up to the last role, as Fabric's regex does", () => {
    const parsed = parseSignaturePolicy("AND('hospital.example-1.org.peer')");
    assert.deepEqual(parsed.rule.rules[0], signedBy({ mspId: 'hospital.example-1.org', role: 'peer' }));
  });

  it('ignores whitespace between tokens', () => {
    const parsed = parseSignaturePolicy("  OutOf( 2 ,\n\t'A.peer' ,'B.peer','C.peer' )  ");
    assert.equal(parsed.rule.n, 2);
    assert.equal(parsed.rule.rules.length, 3);
  });

  it('accepts OutOf counts 0..n+1 (Fabric accepts n+1; it can never be met) and rejects n+2', () => {
    assert.equal(parseSignaturePolicy("OutOf(0, 'A.peer')").rule.n, 0);
    assert.equal(parseSignaturePolicy("OutOf(2, 'A.peer')").rule.n, 2);
    const error = parseError("OutOf(3, 'A.peer')");
    assert.equal(error.code, 'INVALID_OUT_OF_COUNT');
    assert.equal(error.position, 6);
  });

  const malformed: readonly [string, string, number][] = [
    ['', 'EMPTY', 0],
    ['   ', 'EMPTY', 0],
    ["'A.peer'", 'UNEXPECTED_TOKEN', 0],
    ['AND(', 'MISSING_ARGUMENT', 4],
    ["AND('A.peer'", 'UNEXPECTED_TOKEN', 12],
    ["AND('A.peer',)", 'MISSING_ARGUMENT', 13],
    ['AND()', 'MISSING_ARGUMENT', 4],
    ["AND('A.peer', 'B.peer'))", 'TRAILING_INPUT', 23],
    ["AND('A.peer') OR('B.peer')", 'TRAILING_INPUT', 14],
    ["NOPE('A.peer')", 'UNKNOWN_GATE', 0],
    ["Outof(1, 'A.peer')", 'UNKNOWN_GATE', 0],
    ["AND('A.boss')", 'INVALID_PRINCIPAL', 4],
    ["AND('A_x.peer')", 'INVALID_PRINCIPAL', 4],
    ["AND('peer')", 'INVALID_PRINCIPAL', 4],
    ["AND('A.peer)", 'UNTERMINATED_STRING', 4],
    ["OutOf('A.peer', 'B.peer')", 'INVALID_OUT_OF_COUNT', 6],
    ["OutOf(1.5, 'A.peer', 'B.peer')", 'INVALID_OUT_OF_COUNT', 6],
    ['OutOf(1)', 'UNEXPECTED_TOKEN', 7],
    ["AND('A.peer' 'B.peer')", 'UNEXPECTED_TOKEN', 13],
    ["AND('A.peer'; 'B.peer')", 'UNEXPECTED_CHARACTER', 12],
    ['AND(A.peer)', 'UNKNOWN_GATE', 4],
  ];
  for (const [policy, code, position] of malformed) {
    it(`rejects ${JSON.stringify(policy)} with ${code} at ${String(position)}`, () => {
      const error = parseError(policy);
      assert.equal(error.code, code);
      assert.equal(error.position, position);
      assert.match(error.message, /at offset \d+/);
    });
  }

  it('enforces the length, principal and depth limits', () => {
    const many = `OR(${Array.from({ length: 11 }, (_, i) => `'O${String(i)}.peer'`).join(', ')})`;
    assert.equal(parseError(many, { maxPrincipals: 10 }).code, 'TOO_MANY_PRINCIPALS');
    assert.equal(parseSignaturePolicy(many, { maxPrincipals: 11 }).principalCount, 11);
    assert.equal(parseError(many, { maxLength: many.length - 1 }).code, 'TOO_LONG');
    const deep = `${'AND('.repeat(5)}'A.peer'${')'.repeat(5)}`;
    assert.equal(parseError(deep, { maxDepth: 4 }).code, 'TOO_DEEP');
    assert.equal(parseSignaturePolicy(deep, { maxDepth: 5 }).depth, 5);
    // Default depth limit protects the recursion from hostile input.
    assert.equal(parseError(`${'AND('.repeat(100_000)}'A.peer'${')'.repeat(100_000)}`).code, 'TOO_DEEP');
  });

  const principal = fc
    .record({ mspId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,8}$/), role: fc.constantFrom('admin', 'member', 'client', 'peer', 'orderer' as const) })
    .map((p) => signedBy({ mspId: p.mspId, role: p.role }));
  const { rule } = fc.letrec<{ rule: SignaturePolicyRule }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      principal,
      fc.array(tie('rule'), { minLength: 1, maxLength: 4 }).chain((rules) =>
        fc.oneof(
          fc.constant(and(rules)),
          fc.constant(or(rules)),
          fc.integer({ min: 0, max: rules.length + 1 }).map((n) => ({ type: 'outOf' as const, gate: 'OutOf' as const, n, rules })),
        ),
      ),
    ),
  }));

  it('round-trips any policy tree through format and parse (property)', () => {
    fc.assert(
      fc.property(
        rule.map((r) => (r.type === 'signedBy' ? or([r]) : r)),
        (tree) => {
          const text = formatSignaturePolicy(tree);
          assert.deepEqual(parseSignaturePolicy(text).rule, tree);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails only with PolicyParseError on arbitrary input (property)', () => {
    const alphabet = fc.constantFrom('AND', 'OR', 'OutOf', '(', ')', ',', "'", 'A.peer', 'B.member', '1', '2', ' ', '.', 'x', '"');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 30 }).map((parts) => parts.join('')),
        (text) => {
          try {
            const parsed = parseSignaturePolicy(text);
            assert.equal(parsed.rule.type, 'outOf');
          } catch (error) {
            assert.ok(error instanceof PolicyParseError, String(error));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('formats n-out-of gates as AND/OR where equivalent, so the compiler emits familiar strings', () => {
    const rules = [signedBy({ mspId: 'A', role: 'peer' }), signedBy({ mspId: 'B', role: 'peer' })];
    assert.equal(formatSignaturePolicy(outOf(2, rules)), "AND('A.peer', 'B.peer')");
    assert.equal(formatSignaturePolicy(outOf(1, rules)), "OR('A.peer', 'B.peer')");
    assert.equal(formatSignaturePolicy(outOf(2, [...rules, signedBy({ mspId: 'C', role: 'peer' })])), "OutOf(2, 'A.peer', 'B.peer', 'C.peer')");
  });
});
