import { SaxesParser, type SaxesTagNS } from 'saxes';

/**
 * A safe XML reader for SOAP requests, on saxes (a conforming XML 1.0 +
 * namespaces parser, linear in its input): elements, attributes, namespaces,
 * text, CDATA, comments and the five predefined entities. No DTD (so no XXE
 * and no entity expansion), and every dimension an attacker controls is
 * bounded: total size, depth, attributes per element, name length.
 */
export interface XmlElement {
  /** Namespace URI ('' when none). */
  readonly ns: string;
  readonly local: string;
  /** Attribute values by local name, or `{namespace}local` for a namespaced one; namespace declarations are left out. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export interface XmlLimits {
  /** Characters in the whole document. */
  readonly maxLength: number;
  readonly maxDepth: number;
  /** Attributes (namespace declarations included) on one element. */
  readonly maxAttributes: number;
  /** Characters in an element or attribute name. */
  readonly maxNameLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxLength: 1024 * 1024, maxDepth: 64, maxAttributes: 64, maxNameLength: 256 };

interface Open {
  readonly name: string;
  readonly children: (XmlElement | string)[];
  readonly raw: { readonly prefix: string; readonly local: string; readonly name: string; readonly value: string }[];
  /** Set once the start tag is complete. */
  element?: XmlElement;
}

/**
 * Parses a whole document. Throws XmlError, and nothing else, for any input
 * that is not well-formed or exceeds a limit.
 */
export function parseXml(text: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const l: XmlLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  if (text.length > l.maxLength) {
    throw new XmlError(`XML document too large (more than ${String(l.maxLength)} characters)`);
  }
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const name = (n: string): void => {
    if (n.length > l.maxNameLength) throw new XmlError(`name longer than ${String(l.maxNameLength)} characters`);
  };
  parser.on('doctype', () => {
    throw new XmlError('DTDs and declarations are not accepted');
  });
  parser.on('opentagstart', (tag) => {
    name(tag.name);
    if (stack.length >= l.maxDepth) throw new XmlError(`XML nested deeper than ${String(l.maxDepth)} elements`);
    stack.push({ name: tag.name, children: [], raw: [] });
  });
  parser.on('attribute', (attr) => {
    name(attr.name);
    const open = stack.at(-1);
    if (!open) throw new XmlError('attribute outside an element');
    // Refused as soon as the limit is passed: the rest of the tag is never read.
    if (open.raw.length >= l.maxAttributes) throw new XmlError(`more than ${String(l.maxAttributes)} attributes on <${open.name}>`);
    open.raw.push({ prefix: attr.prefix, local: attr.local, name: attr.name, value: attr.value });
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const open = stack.at(-1);
    if (!open) throw new XmlError('unbalanced element');
    const attributes = new Map<string, string>();
    for (const a of open.raw) {
      if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
      // saxes has already refused unbound prefixes and duplicates (after namespace resolution).
      const ns = a.prefix === '' ? '' : (parser.resolve(a.prefix) ?? '');
      attributes.set(ns === '' ? a.local : `{${ns}}${a.local}`, a.value);
    }
    open.element = { ns: tag.uri, local: tag.local, attributes, children: open.children };
  });
  parser.on('closetag', () => {
    const open = stack.pop();
    if (!open?.element) throw new XmlError('unbalanced element');
    const parent = stack.at(-1);
    if (parent) parent.children.push(open.element);
    else root = open.element;
  });
  const pushText = (t: string): void => {
    stack.at(-1)?.children.push(t);
  };
  parser.on('text', pushText);
  parser.on('cdata', pushText);
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof XmlError) throw err;
    // saxes reports well-formedness errors as plain Errors.
    throw new XmlError(err instanceof Error ? err.message : String(err));
  }
  if (!root) throw new XmlError('no root element');
  return root;
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
  return element.children
    .filter((c): c is string => typeof c === 'string')
    .join('')
    .trim();
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
