/**
 * An expected failure that callers tell apart by `code`, never by the
 * message: bad input, a refusal, a missing prerequisite. Bugs stay plain Errors.
 */
export abstract class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
