/**
 * WebDAV XML: multistatus answers parsed into a tree whose element names carry their namespace
 * URI, and request bodies built as templates with escaped values.
 *
 * Servers choose their own prefixes (`D:`, `d:`, none, `ns0:`), so an element is matched on its
 * namespace URI and local name, never on a prefix: fast-xml-parser keeps the prefixes as written,
 * and `toTree` resolves them against the `xmlns` declarations in scope.
 */
import { XMLParser } from 'fast-xml-parser';

export const DAV = 'DAV:';
export const CARDDAV = 'urn:ietf:params:xml:ns:carddav';

export type XmlNode = { ns: string; local: string; children: XmlNode[]; text: string };

// Values stay strings (an ETag "123" is not a number); whitespace is kept (a card's text is data);
// numeric character references (`&#13;`) are decoded, which `htmlEntities` does.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

type Raw = Record<string, unknown>;

function build(raw: Raw, scope: ReadonlyMap<string, string>): XmlNode | null {
  const name = Object.keys(raw).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?')) return null;
  const attrs = (raw[':@'] ?? {}) as Record<string, unknown>;
  let inner = scope;
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (inner === scope) inner = new Map(scope);
      (inner as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), String(v));
    }
  }
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const node: XmlNode = { ns: inner.get(prefix) ?? '', local: colon < 0 ? name : name.slice(colon + 1), children: [], text: '' };
  const content = raw[name];
  if (Array.isArray(content)) {
    for (const c of content as Raw[]) {
      if ('#text' in c) node.text += String(c['#text']);
      else {
        const child = build(c, inner);
        if (child) node.children.push(child);
      }
    }
  }
  return node;
}

/** The document's root element; throws on text that is not XML. */
export function parseXml(text: string): XmlNode {
  const raw = parser.parse(text) as Raw[];
  for (const r of raw) {
    const node = build(r, new Map());
    if (node) return node;
  }
  throw new Error('the answer holds no XML element');
}

export const is = (n: XmlNode, ns: string, local: string): boolean => n.ns === ns && n.local === local;
export const child = (n: XmlNode | undefined, ns: string, local: string): XmlNode | undefined => n?.children.find((c) => is(c, ns, local));
export const childrenOf = (n: XmlNode | undefined, ns: string, local: string): XmlNode[] => n?.children.filter((c) => is(c, ns, local)) ?? [];

/** Escapes a value for an XML text node or attribute. */
export const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/** One `<D:response>` of a multistatus: its href, its own status (a sync-collection delete), and its props by status. */
export type DavResponse = { href: string; status: number | null; props: Map<number, XmlNode[]> };

const statusCode = (n: XmlNode | undefined): number | null => {
  const m = /HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(n?.text ?? '');
  return m ? Number(m[1]) : null;
};

export function parseMultistatus(text: string): { responses: DavResponse[]; syncToken: string | null } {
  const root = parseXml(text);
  if (!is(root, DAV, 'multistatus')) throw new Error(`expected a DAV:multistatus answer, got <${root.local}> (${root.ns || 'no namespace'})`);
  const responses: DavResponse[] = [];
  for (const r of childrenOf(root, DAV, 'response')) {
    const href = child(r, DAV, 'href')?.text.trim();
    if (!href) continue;
    const props = new Map<number, XmlNode[]>();
    for (const ps of childrenOf(r, DAV, 'propstat')) {
      const code = statusCode(child(ps, DAV, 'status')) ?? 200;
      props.set(code, [...(props.get(code) ?? []), ...(child(ps, DAV, 'prop')?.children ?? [])]);
    }
    responses.push({ href, status: statusCode(child(r, DAV, 'status')), props });
  }
  const token = child(root, DAV, 'sync-token')?.text.trim();
  return { responses, syncToken: token ? token : null };
}

/** A prop the server found (status 200) on a response. */
export const foundProp = (r: DavResponse, ns: string, local: string): XmlNode | undefined => r.props.get(200)?.find((p) => is(p, ns, local));
