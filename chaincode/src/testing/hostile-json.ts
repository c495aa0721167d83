import fc from 'fast-check';

/**
 * JSON texts an attacker can sign: valid JSON that JSON.parse reads, including values
 * RFC 8785 cannot represent (numbers beyond a double, lone UTF-16 surrogates), deep
 * nesting, long strings and every wrong type. Texts, not values, because a value like
 * 1e400 or "\ud800" cannot be produced by serialising a JavaScript value canonically.
 */
const numberText = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1E+400', '1e-400', '-0', '0.1', '1.0', '1e21', '9007199254740993', '123456789012345678901234567890', '-1'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings mixing any UTF-16 code unit, with lone surrogates made likely. */
const hostileString = fc.oneof(
  fc.string({ unit: fc.oneof(loneSurrogate, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 }),
  fc.string({ maxLength: 64 }),
  fc.constantFrom('\ud800', 'a\udfffb', '\udc00\ud800', 'TREAT', 'https://x.example/\ud800'),
);

const stringText = hostileString.map((s) => JSON.stringify(s));

/** Member order as RFC 8785 sorts it (UTF-16 code units), so canonical texts reach the claim checks. */
function objectText(members: readonly (readonly [string, string])[]): string {
  const sorted = [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;
}

const { value: nestedText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, numberText, stringText, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.uniqueArray(fc.tuple(hostileString, tie('value')), { maxLength: 4, selector: ([name]) => name }).map(objectText),
}));

/** Nesting far past anything a claim needs (a statement's size cap bounds it anyway). */
const deepText = fc
  .tuple(fc.integer({ min: 16, max: 5000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => `${open.repeat(depth)}0${(open === '[' ? ']' : '}').repeat(depth)}`);

const bigStringText = fc.integer({ min: 100, max: 9000 }).map((n) => JSON.stringify('A'.repeat(n)));

export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(numberText, stringText, nestedText, deepText, bigStringText);

/** Member names for a claim that is not defined, including lone surrogates and prototype names. */
export const hostileMemberName: fc.Arbitrary<string> = fc.oneof(hostileString, fc.constantFrom('\ud800', '__proto__', 'constructor', 'x'));

/**
 * The canonical JSON text of an object, with one member's value replaced by raw JSON text
 * (or added, if absent). Members are sorted as RFC 8785 sorts them.
 */
export function withMemberText(object: Readonly<Record<string, unknown>>, name: string, text: string, serialise: (value: unknown) => string): string {
  const members = Object.entries(object)
    .filter(([key]) => key !== name)
    .map(([key, value]) => [key, serialise(value)] as const);
  return objectText([...members, [name, text]]);
}
