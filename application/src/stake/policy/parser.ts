/**
 * Parser for Fabric's signature-policy language (the `--signature-policy` string):
 *
 *   policy    := gate
 *   gate      := ('AND'|'And'|'and'|'OR'|'Or'|'or') '(' arg (',' arg)* ')'
 *              | ('OutOf'|'outof'|'OUTOF') '(' integer (',' arg)+ ')'
 *   arg       := gate | principal
 *   principal := "'" MSPID '.' ('admin'|'member'|'client'|'peer'|'orderer') "'"   (or in double quotes)
 *
 * Gate spellings, the principal pattern and the accepted n (0 <= n <= count + 1) follow
 * fabric v2.5 common/policydsl/policyparser.go. A bare principal is not a policy there (it fails
 * the second govaluate pass), so the top level must be a gate here too.
 */
import { PolicyParseError } from './errors';
import { parsePrincipal } from './principal';
import { and, or, signedBy, type GateName, type OutOfRule, type SignaturePolicyRule } from './signature-policy';

export interface ParseOptions {
  /** Longest accepted policy string, in characters. */
  readonly maxLength?: number;
  /** Most principal occurrences accepted (recent Fabric caps the whole AST at 10,000 nodes). */
  readonly maxPrincipals?: number;
  /** Deepest gate nesting accepted; guards the recursive descent. */
  readonly maxDepth?: number;
}

export const DEFAULT_PARSE_LIMITS: Required<ParseOptions> = Object.freeze({
  maxLength: 1_048_576,
  maxPrincipals: 10_000,
  maxDepth: 64,
});

export interface ParsedSignaturePolicy {
  readonly rule: OutOfRule;
  readonly principalCount: number;
  readonly depth: number;
}

const GATES: ReadonlyMap<string, GateName> = new Map([
  ['AND', 'AND'],
  ['And', 'AND'],
  ['and', 'AND'],
  ['OR', 'OR'],
  ['Or', 'OR'],
  ['or', 'OR'],
  ['OutOf', 'OutOf'],
  ['outof', 'OutOf'],
  ['OUTOF', 'OutOf'],
]);

type Token =
  | { readonly kind: 'name'; readonly text: string; readonly pos: number }
  | { readonly kind: 'number'; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly text: string; readonly pos: number }
  | { readonly kind: '(' | ')' | ','; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number };

export function parseSignaturePolicy(policy: string, options: ParseOptions = {}): ParsedSignaturePolicy {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options };
  if (policy.trim().length === 0) {
    throw new PolicyParseError('EMPTY', 'policy string is empty', 0);
  }
  if (policy.length > limits.maxLength) {
    throw new PolicyParseError('TOO_LONG', `policy string has ${String(policy.length)} characters, limit is ${String(limits.maxLength)}`, limits.maxLength);
  }
  return new Parser(policy, limits).parse();
}

class Parser {
  readonly #source: string;
  readonly #limits: Required<ParseOptions>;
  #offset = 0;
  #current: Token;
  #principals = 0;
  #maxDepth = 0;

  constructor(source: string, limits: Required<ParseOptions>) {
    this.#source = source;
    this.#limits = limits;
    this.#current = this.#scan();
  }

  parse(): ParsedSignaturePolicy {
    const first = this.#current;
    if (first.kind === 'string') {
      throw new PolicyParseError('UNEXPECTED_TOKEN', 'a policy must start with a gate (AND, OR or OutOf), not a bare principal', first.pos);
    }
    const rule = this.#gate(1);
    const rest = this.#current;
    if (rest.kind !== 'end') {
      throw new PolicyParseError('TRAILING_INPUT', `unexpected ${describe(rest)} after the end of the policy`, rest.pos);
    }
    return { rule, principalCount: this.#principals, depth: this.#maxDepth };
  }

  #gate(depth: number): OutOfRule {
    if (depth > this.#limits.maxDepth) {
      throw new PolicyParseError('TOO_DEEP', `gates nested deeper than ${String(this.#limits.maxDepth)}`, this.#current.pos);
    }
    this.#maxDepth = Math.max(this.#maxDepth, depth);
    const name = this.#current;
    if (name.kind !== 'name') {
      throw new PolicyParseError('UNEXPECTED_TOKEN', `expected a gate (AND, OR or OutOf) but found ${describe(name)}`, name.pos);
    }
    const gate = GATES.get(name.text);
    if (gate === undefined) {
      throw new PolicyParseError('UNKNOWN_GATE', `unknown gate '${name.text}'; expected AND, OR or OutOf`, name.pos);
    }
    this.#advance();
    this.#expect('(');

    let n = 0;
    let countPos = 0;
    if (gate === 'OutOf') {
      const count = this.#current;
      if (count.kind !== 'number') {
        throw new PolicyParseError('INVALID_OUT_OF_COUNT', `OutOf needs a non-negative integer first, found ${describe(count)}`, count.pos);
      }
      n = Number(count.text);
      countPos = count.pos;
      this.#advance();
      this.#expect(',');
    }

    const rules: SignaturePolicyRule[] = [this.#argument(depth)];
    while (this.#current.kind === ',') {
      this.#advance();
      rules.push(this.#argument(depth));
    }
    this.#expect(')');

    if (gate === 'AND') {
      return and(rules);
    }
    if (gate === 'OR') {
      return or(rules);
    }
    // Fabric rejects t < 0 or t > n + 1 ("invalid t-out-of-n predicate"); n + 1 is accepted and never satisfiable.
    if (n > rules.length + 1) {
      throw new PolicyParseError('INVALID_OUT_OF_COUNT', `OutOf(${String(n)}, ...) has only ${String(rules.length)} sub-policies`, countPos);
    }
    return { type: 'outOf', gate: 'OutOf', n, rules };
  }

  #argument(depth: number): SignaturePolicyRule {
    const token = this.#current;
    if (token.kind === 'string') {
      const principal = parsePrincipal(token.text);
      if (principal === undefined) {
        throw new PolicyParseError(
          'INVALID_PRINCIPAL',
          `invalid principal '${token.text}'; expected 'MSPID.role' with role admin, member, client, peer or orderer`,
          token.pos,
        );
      }
      this.#principals += 1;
      if (this.#principals > this.#limits.maxPrincipals) {
        throw new PolicyParseError('TOO_MANY_PRINCIPALS', `more than ${String(this.#limits.maxPrincipals)} principals`, token.pos);
      }
      this.#advance();
      return signedBy(principal);
    }
    if (token.kind === 'name') {
      return this.#gate(depth + 1);
    }
    throw new PolicyParseError('MISSING_ARGUMENT', `expected a principal or a gate but found ${describe(token)}`, token.pos);
  }

  #expect(kind: '(' | ')' | ','): void {
    const token = this.#current;
    if (token.kind !== kind) {
      throw new PolicyParseError('UNEXPECTED_TOKEN', `expected '${kind}' but found ${describe(token)}`, token.pos);
    }
    this.#advance();
  }

  #advance(): void {
    this.#current = this.#scan();
  }

  #scan(): Token {
    const s = this.#source;
    while (this.#offset < s.length && /\s/.test(s.charAt(this.#offset))) {
      this.#offset += 1;
    }
    const pos = this.#offset;
    if (pos >= s.length) {
      return { kind: 'end', pos };
    }
    const c = s.charAt(pos);
    if (c === '(' || c === ')' || c === ',') {
      this.#offset += 1;
      return { kind: c, pos };
    }
    // govaluate (Fabric's tokenizer) takes both quote styles; only the single one appears in Fabric's docs.
    if (c === "'" || c === '"') {
      const close = s.indexOf(c, pos + 1);
      if (close < 0) {
        throw new PolicyParseError('UNTERMINATED_STRING', 'principal string is not closed with a quote', pos);
      }
      this.#offset = close + 1;
      return { kind: 'string', text: s.slice(pos + 1, close), pos };
    }
    const number = /^[0-9]+/.exec(s.slice(pos, pos + 32));
    if (number) {
      const end = pos + number[0].length;
      // Fabric truncates 1.5 to 1 via float64; a fractional count is almost certainly a mistake, so reject it.
      if (end < s.length && /[.0-9A-Za-z_]/.test(s.charAt(end))) {
        throw new PolicyParseError('INVALID_OUT_OF_COUNT', 'OutOf count must be a plain non-negative integer', pos);
      }
      this.#offset = end;
      return { kind: 'number', text: number[0], pos };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(pos, pos + 64));
    if (name) {
      this.#offset = pos + name[0].length;
      return { kind: 'name', text: name[0], pos };
    }
    throw new PolicyParseError('UNEXPECTED_CHARACTER', `unexpected character ${JSON.stringify(c)}`, pos);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'name':
      return `'${token.text}'`;
    case 'number':
      return `number ${token.text}`;
    case 'string':
      return `principal '${token.text}'`;
    default:
      return `'${token.kind}'`;
  }
}
