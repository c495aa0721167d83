/**
 * A whole number in a query string, as a digits-only string schema. Not
 * `type: 'integer'`: ajv coerces "1e400" to Infinity and then passes it
 * through `integer`, `minimum` and `maximum` alike, so a handler would meet
 * Infinity. Handlers convert the validated digits with BigInt or Number.
 */
export function wholeNumberParam(maxDigits: number, description: string): { readonly type: 'string'; readonly pattern: string; readonly description: string } {
  return { type: 'string', pattern: `^(0|[1-9][0-9]{0,${String(maxDigits - 1)}})$`, description };
}
