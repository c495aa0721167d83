/** A parsed media type such as `multipart/related; type="application/dicom"; boundary=x`. */
export interface MediaType {
  /** type/subtype in lower case. */
  readonly type: string;
  /** Parameter names in lower case; values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a Content-Type / Accept member (RFC 9110 §8.3.1); undefined when malformed. */
export function parseMediaType(text: string | undefined): MediaType | undefined {
  if (text === undefined) {
    return undefined;
  }
  let i = 0;
  const s = text.trim();
  const semi = s.indexOf(';');
  const type = (semi === -1 ? s : s.slice(0, semi)).trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(type)) {
    return undefined;
  }
  const params = new Map<string, string>();
  i = semi === -1 ? s.length : semi + 1;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    const eq = s.indexOf('=', i);
    if (eq === -1) {
      return undefined;
    }
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) {
      return undefined;
    }
    const value = readValue(s, eq + 1);
    if (value === undefined) {
      return undefined;
    }
    i = value.next;
    params.set(name, value.text);
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i < s.length && s[i] !== ';') {
      return undefined;
    }
    i++;
  }
  return { type, params };
}

/** A parameter value from `at`: a quoted string (unescaped) or a token up to the next `;`; undefined if a quote is not closed. */
function readValue(s: string, at: number): { readonly text: string; readonly next: number } | undefined {
  let i = at;
  let text = '';
  if (s[i] === '"') {
    i++;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\') i++;
      text += s[i] ?? '';
    }
    if (s[i] !== '"') {
      return undefined;
    }
    return { text, next: i + 1 };
  }
  const end = s.indexOf(';', i);
  text = (end === -1 ? s.slice(i) : s.slice(i, end)).trim();
  return { text, next: end === -1 ? s.length : end };
}
