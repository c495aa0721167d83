/**
 * A minimal, safe XML reader for SOAP requests: elements, attributes,
 * namespaces, text, CDATA, comments and the five predefined entities. No
 * DTD, no external or custom entities (so no XXE or entity expansion), and
 * bounded depth and size.
 */
export interface XmlElement {
  /** Namespace URI ('' when none). */
  readonly ns: string;
  readonly local: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/;
const MAX_DEPTH = 64;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export function parseXml(text: string, maxLength = 1024 * 1024): XmlElement {
  if (text.length > maxLength) {
    throw new XmlError('XML document too large');
  }
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  interface Open {
    name: string;
    scope: Map<string, string>;
    attributes: Map<string, string>;
    children: (XmlElement | string)[];
    rawAttributes: [string, string][];
  }
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const resolve = (qname: string, scope: Map<string, string>, isAttribute: boolean): { ns: string; local: string } => {
    const colon = qname.indexOf(':');
    if (colon === -1) {
      return { ns: isAttribute ? '' : (scope.get('') ?? ''), local: qname };
    }
    const prefix = qname.slice(0, colon);
    const ns = prefix === 'xml' ? XML_NS : scope.get(prefix);
    if (ns === undefined) {
      throw new XmlError(`undeclared namespace prefix ${prefix}`);
    }
    return { ns, local: qname.slice(colon + 1) };
  };
  const close = (open: Open): XmlElement => {
    const { ns, local } = resolve(open.name, open.scope, false);
    const attributes = new Map<string, string>();
    for (const [name, value] of open.rawAttributes) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const r = resolve(name, open.scope, true);
      attributes.set(r.ns === '' ? r.local : `{${r.ns}}${r.local}`, value);
    }
    return { ns, local, attributes, children: open.children };
  };
  while (i < text.length) {
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end === -1) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end === -1) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      const top = stack.at(-1);
      if (end === -1 || !top) throw new XmlError('CDATA outside an element');
      top.children.push(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      throw new XmlError('DTDs and declarations are not accepted');
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i);
      if (end === -1) throw new XmlError('unterminated end tag');
      const name = text.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`mismatched end tag </${name}>`);
      const element = close(open);
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else root = element;
      i = end + 1;
    } else if (text[i] === '<') {
      if (root) throw new XmlError('content after the root element');
      let j = i + 1;
      const nameMatch = /^[^\s/>]+/.exec(text.slice(j, j + 256));
      if (!nameMatch || !NAME.test(nameMatch[0])) throw new XmlError('invalid element name');
      const name = nameMatch[0];
      j += name.length;
      const rawAttributes: [string, string][] = [];
      for (;;) {
        while (/\s/.test(text[j] ?? '')) j++;
        if (text[j] === '>' || text.startsWith('/>', j)) break;
        const attr = /^([^\s=/>]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(j, j + 64 * 1024));
        if (!attr?.[1] || !NAME.test(attr[1])) throw new XmlError(`malformed attribute in <${name}>`);
        if (rawAttributes.some(([n]) => n === attr[1])) throw new XmlError(`duplicate attribute ${attr[1]}`);
        rawAttributes.push([attr[1], decodeEntities(attr[3] ?? attr[4] ?? '')]);
        j += attr[0].length;
      }
      const parentScope = stack.at(-1)?.scope ?? new Map<string, string>();
      const scope = new Map(parentScope);
      for (const [n, v] of rawAttributes) {
        if (n === 'xmlns') scope.set('', v);
        else if (n.startsWith('xmlns:')) scope.set(n.slice(6), v);
      }
      const open: Open = { name, scope, attributes: new Map(), children: [], rawAttributes };
      if (text.startsWith('/>', j)) {
        const element = close(open);
        const parent = stack.at(-1);
        if (parent) parent.children.push(element);
        else root = element;
        i = j + 2;
      } else {
        if (stack.length >= MAX_DEPTH) throw new XmlError('XML nested too deeply');
        stack.push(open);
        i = j + 1;
      }
    } else {
      const end = text.indexOf('<', i);
      const chunk = text.slice(i, end === -1 ? text.length : end);
      const top = stack.at(-1);
      if (top) top.children.push(decodeEntities(chunk));
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element');
      i = end === -1 ? text.length : end;
    }
  }
  if (stack.length > 0 || !root) throw new XmlError('unterminated XML document');
  return root;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);|&/g, (m, e: string | undefined) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      case undefined: throw new XmlError('bare & in text');
      default: {
        if (e.startsWith('#')) {
          const code = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
          if (code > 0x10ffff || code === 0) throw new XmlError(`invalid character reference ${m}`);
          return String.fromCodePoint(code);
        }
        throw new XmlError(`unknown entity ${m}`);
      }
    }
  });
}

/** Child elements with this namespace and local name. */
export function childrenNamed(element: XmlElement, ns: string, local: string): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== 'string' && c.ns === ns && c.local === local);
}

export function childNamed(element: XmlElement, ns: string, local: string): XmlElement | undefined {
  return childrenNamed(element, ns, local)[0];
}

/** The element's text content (direct text children), trimmed. */
export function textOf(element: XmlElement | undefined): string | undefined {
  if (!element) return undefined;
  return element.children.filter((c): c is string => typeof c === 'string').join('').trim();
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
