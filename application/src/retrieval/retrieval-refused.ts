/** The source refused (or could not serve) the request; `code` is the protocol's own answer. */
export class RetrievalRefused extends Error {
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, httpStatus: number, message: string) {
    super(message);
    this.name = 'RetrievalRefused';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}
