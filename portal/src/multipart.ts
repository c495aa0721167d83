/**
 * Splits a WADO-RS answer (multipart/related; type="application/dicom",
 * docs/protocol.md §8.4) into its DICOM parts. Linear in the body: each
 * delimiter is searched once from where the previous one ended.
 */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!/^multipart\/related/i.test(contentType) || boundary === undefined) throw new Error(`not a multipart/related answer: ${contentType}`);
  return boundary;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first ?? 0, from); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function dicomParts(body: Uint8Array, contentType: string): Uint8Array[] {
  const delimiter = new TextEncoder().encode(`--${boundaryOf(contentType)}`);
  const headerEnd = new TextEncoder().encode('\r\n\r\n');
  const parts: Uint8Array[] = [];
  let at = indexOf(body, delimiter, 0);
  while (at !== -1) {
    const afterDelimiter = at + delimiter.length;
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break; // the closing "--"
    const headersEnd = indexOf(body, headerEnd, afterDelimiter);
    if (headersEnd === -1) throw new Error('a part has no end of headers');
    const next = indexOf(body, delimiter, headersEnd + 4);
    if (next === -1) throw new Error('the answer ends inside a part');
    parts.push(body.subarray(headersEnd + 4, next - 2)); // the CRLF before a delimiter belongs to it
    at = next;
  }
  return parts;
}
