/**
 * Splits vCard text into content lines, keeping each line's original text so that a write can put
 * back every line Concord does not change byte for byte. Only the line structure is handled here
 * (folding, quoted-printable soft breaks); every property is parsed by ical.js (codec.ts).
 */

export type ContentLine = {
  /** The line exactly as it was in the text: folds and soft breaks included, without its line break. */
  raw: string;
  /** The unfolded line that ical.js parses (folds removed; quoted-printable soft breaks joined). */
  logical: string;
  /** 1-based number of the physical line it starts on, for error messages. */
  lineNo: number;
};

/** `ENCODING=QUOTED-PRINTABLE` (vCard 2.1 style, still written by some phones in 3.0 cards) among a line's parameters. */
export function isQuotedPrintable(logical: string): boolean {
  const colon = logical.indexOf(':');
  const head = colon < 0 ? logical : logical.slice(0, colon);
  return /;\s*(ENCODING=)?QUOTED-PRINTABLE\b/i.test(head);
}

/** The line break a text uses (its first one), so a write keeps it; CRLF (RFC 6350) when it has none. */
export function lineBreakOf(text: string): '\r\n' | '\n' {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] !== '\r' ? '\n' : '\r\n';
}

/**
 * The content lines of `text`. A physical line that starts with a space or a tab continues the
 * previous one (RFC 6350 3.2: the one whitespace character is removed). A quoted-printable value
 * that ends in `=` continues on the next physical line whatever it starts with (a soft break, whose
 * `=` is removed). Empty lines are skipped, as ical.js skips them.
 */
export function contentLines(text: string): ContentLine[] {
  // Each physical line with the break before it, so a kept fold keeps its own bytes.
  const parts = text.split(/(\r\n|\n|\r)/);
  const physical: { line: string; before: string }[] = [];
  for (let i = 0; i < parts.length; i += 2) physical.push({ line: parts[i] ?? '', before: parts[i - 1] ?? '' });
  const out: ContentLine[] = [];
  let current: ContentLine | null = null;
  physical.forEach(({ line, before }, i) => {
    if (current && isQuotedPrintable(current.logical) && current.logical.endsWith('=')) {
      current.raw += before + line;
      current.logical = current.logical.slice(0, -1) + line;
      return;
    }
    if (current && (line.startsWith(' ') || line.startsWith('\t'))) {
      current.raw += before + line;
      current.logical += line.slice(1);
      return;
    }
    if (line.trim() === '') {
      current = null;
      return;
    }
    current = { raw: line, logical: line, lineNo: i + 1 };
    out.push(current);
  });
  return out;
}

/** Decodes a quoted-printable value (`=C3=A9`) in its charset (UTF-8 unless the line says otherwise). */
export function decodeQuotedPrintable(value: string, charset = 'utf-8'): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    const hex = c === '=' ? value.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new Error(`the charset "${charset}" of a quoted-printable value is not one Concord knows — save the card as UTF-8`);
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/**
 * Folds one unfolded content line so that no physical line is longer than 75 octets of UTF-8,
 * the leading space of a continuation included (RFC 6350 3.2), never inside a character.
 * ical.js's own folding lets continuation lines reach 76 octets, so Concord folds itself.
 */
export function foldLine(line: string, lineBreak: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (octets + size > 75) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join(lineBreak);
}
