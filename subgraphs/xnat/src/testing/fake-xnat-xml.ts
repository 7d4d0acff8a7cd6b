// FAKE for tests and the local demo: a minimal XML reader for the fake XNAT server's search
// service. This is not XNAT.

/**
 * Just enough XML for `xdat:bundle` search documents: elements, attributes, text, CDATA,
 * comments, the XML declaration and the five predefined and numeric character entities.
 * No DTDs, no external entities. Malformed input throws {@link XmlSyntaxError}, which the
 * fake server answers as XNAT does a SAX parse error.
 */

export interface XmlElement {
  /** The qualified name as written (`xdat:bundle`). */
  readonly name: string;
  /** The name without its prefix (`bundle`). */
  readonly localName: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA included), child elements' text excluded. */
  readonly text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (match, entity: string | undefined) => {
    if (entity === undefined) throw new XmlSyntaxError('a bare "&"', offset);
    switch (entity) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: {
        if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
        if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
        throw new XmlSyntaxError(`unknown entity ${match}`, offset);
      }
    }
  });
}

/** Parses a document and returns its root element. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const text = source.replace(/^\uFEFF/, '');

  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos));
      pos += ws ? ws[0].length : 0;
      if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos);
        if (end < 0) throw new XmlSyntaxError('unterminated processing instruction', pos);
        pos = end + 2;
      } else if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) throw new XmlSyntaxError('unterminated comment', pos);
        pos = end + 3;
      } else if (text.startsWith('<!DOCTYPE', pos)) {
        throw new XmlSyntaxError('DOCTYPE is not allowed', pos);
      } else {
        return;
      }
    }
  };

  const parseElement = (): XmlElement => {
    if (text[pos] !== '<') throw new XmlSyntaxError('expected "<"', pos);
    pos += 1;
    const nameMatch = NAME.exec(text.slice(pos));
    if (!nameMatch) throw new XmlSyntaxError('expected an element name', pos);
    const name = nameMatch[0];
    pos += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos));
      pos += ws ? ws[0].length : 0;
      if (text.startsWith('/>', pos)) {
        pos += 2;
        return { name, localName: name.slice(name.indexOf(':') + 1), attributes, children: [], text: '' };
      }
      if (text[pos] === '>') {
        pos += 1;
        break;
      }
      const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(text.slice(pos));
      if (!attr) throw new XmlSyntaxError(`malformed attribute in <${name}>`, pos);
      if (attr[1]! in attributes) throw new XmlSyntaxError(`duplicate attribute ${attr[1]}`, pos);
      attributes[attr[1]!] = decodeEntities(attr[3] ?? attr[4] ?? '', pos);
      pos += attr[0].length;
    }
    const children: XmlElement[] = [];
    let own = '';
    for (;;) {
      if (pos >= text.length) throw new XmlSyntaxError(`<${name}> is not closed`, pos);
      if (text.startsWith('</', pos)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(pos));
        if (!close || close[1] !== name) throw new XmlSyntaxError(`expected </${name}>`, pos);
        pos += close[0].length;
        return { name, localName: name.slice(name.indexOf(':') + 1), attributes, children, text: own };
      }
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) throw new XmlSyntaxError('unterminated comment', pos);
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos);
        if (end < 0) throw new XmlSyntaxError('unterminated CDATA section', pos);
        own += text.slice(pos + 9, end);
        pos = end + 3;
      } else if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos);
        if (end < 0) throw new XmlSyntaxError('unterminated processing instruction', pos);
        pos = end + 2;
      } else if (text[pos] === '<') {
        children.push(parseElement());
      } else {
        const next = text.indexOf('<', pos);
        const end = next < 0 ? text.length : next;
        own += decodeEntities(text.slice(pos, end), pos);
        pos = end;
      }
    }
  };

  skipMisc();
  if (pos >= text.length) throw new XmlSyntaxError('no root element', pos);
  const root = parseElement();
  skipMisc();
  if (pos < text.length) throw new XmlSyntaxError('content after the root element', pos);
  return root;
}

/** Direct children with a local name (prefixes ignored, case-insensitive). */
export function childrenNamed(element: XmlElement, localName: string): XmlElement[] {
  const wanted = localName.toLowerCase();
  return element.children.filter((c) => c.localName.toLowerCase() === wanted);
}

/** The trimmed text of the first child with a local name, or undefined. */
export function childText(element: XmlElement, localName: string): string | undefined {
  return childrenNamed(element, localName)[0]?.text.trim();
}

/** Escapes text for an XML text node or attribute value. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
