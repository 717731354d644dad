import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from '../../core/canonical';
import { parseVcard, vcardFieldInfo, vcardFieldTypes, writeVcard, type VcardFields } from './codec';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

const V3 = crlf([
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//Mac OS X 10.15//EN',
  'N:Müller;Anna;Maria,Luise;Dr.;Jr.\\, PhD',
  'FN:Dr. Anna Müller',
  'item1.EMAIL;type=INTERNET;type=WORK;type=pref:anna@work.example',
  'item1.X-ABLabel:_$!<Work>!$_',
  'EMAIL;TYPE=INTERNET,HOME:anna@home.example',
  'TEL;TYPE=CELL,VOICE:+49 170 1234567',
  'TEL;TYPE=WORK:+49 30 123',
  'ORG:Acme GmbH;Research;Lab 2',
  'TITLE:Head of R&D',
  'ADR;TYPE=HOME:;;Hauptstraße 1\\nHinterhaus;Berlin;;10115;Germany',
  'NOTE:Line one\\nLine two\\, with comma\\; and semicolon \\\\ backslash',
  'BDAY:1985-04-12',
  'CATEGORIES:Friends,Work\\,ish',
  'URL;TYPE=WORK:https://acme.example/anna',
  'X-SOCIALPROFILE;type=twitter;X-USER=anna:https://twitter.com/anna',
  'UID:3b1c5a52-aaaa-4bbb-8ccc-000000000001',
  'END:VCARD',
]);

const V4 = crlf([
  'BEGIN:VCARD',
  'VERSION:4.0',
  'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
  'FN:Bo Berg',
  'N:Berg;Bo;;;',
  'EMAIL;TYPE=work;PREF=2:bo@work.example',
  'EMAIL;TYPE=home;PREF=1:bo@home.example',
  'TEL;VALUE=uri;TYPE="cell,voice":tel:+46-70-123-45-67',
  'BDAY:--0412',
  'KIND:individual',
  'X-CUSTOM;X-PARAM="a,b";LANGUAGE=sv:värde',
  'END:VCARD',
]);

describe('vCard codec: parsing', () => {
  it('reads a vCard 3.0 (Apple-style, grouped properties, escaped text, UTF-8) into the contact fields', () => {
    const { uid, version, fields } = parseVcard(V3);
    expect(version).toBe('3.0');
    expect(uid).toBe('3b1c5a52-aaaa-4bbb-8ccc-000000000001');
    expect(fields).toMatchObject({
      name: 'Dr. Anna Müller',
      familyName: 'Müller',
      givenName: 'Anna',
      additionalNames: 'Maria,Luise',
      namePrefix: 'Dr.',
      nameSuffix: 'Jr., PhD',
      email: 'anna@work.example',
      emails: ['home:anna@home.example', 'work:anna@work.example'],
      phone: '+49 170 1234567',
      phones: ['cell,voice:+49 170 1234567', 'work:+49 30 123'],
      organization: 'Acme GmbH',
      department: 'Research, Lab 2',
      title: 'Head of R&D',
      addresses: ['home:;;Hauptstraße 1\\nHinterhaus;Berlin;;10115;Germany'],
      note: 'Line one\nLine two, with comma; and semicolon \\ backslash',
      birthday: '1985-04-12',
      categories: ['Friends', 'Work,ish'],
      urls: ['https://acme.example/anna'],
    });
  });

  it('reads a vCard 4.0: PREF decides the preferred email, a tel: URI reads as its number, a birthday without a year', () => {
    const { uid, version, fields } = parseVcard(V4);
    expect(version).toBe('4.0');
    expect(uid).toBe('urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1');
    expect(fields).toMatchObject({ name: 'Bo Berg', email: 'bo@home.example', phone: '+46-70-123-45-67', phones: ['cell,voice:+46-70-123-45-67'], birthday: '--04-12', title: null, organization: null });
  });

  it('reads a 3.0 card with CHARSET and ENCODING=QUOTED-PRINTABLE values, soft line breaks included', () => {
    const text = crlf([
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;',
      'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller',
      'NOTE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe aus =',
      'K=F6ln',
      'EMAIL:j@example.com',
      'END:VCARD',
    ]);
    const { fields } = parseVcard(text);
    expect(fields).toMatchObject({ name: 'Jürgen Müller', familyName: 'Müller', givenName: 'Jürgen', note: 'Grüße aus Köln', email: 'j@example.com' });
    // Changing another field keeps the quoted-printable lines byte for byte.
    const written = writeVcard({ email: 'new@example.com' }, { uid: 'x', original: text });
    expect(written).toContain('NOTE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe aus =\r\nK=F6ln\r\n');
    // Changing the QP field itself writes plain UTF-8 without the encoding parameters.
    const renamed = writeVcard({ note: 'Grüße aus Bonn' }, { uid: 'x', original: text });
    expect(renamed).toContain('\r\nNOTE:Grüße aus Bonn\r\n');
    expect(parseVcard(renamed).fields.note).toBe('Grüße aus Bonn');
  });

  it.each([
    ['', /empty/],
    ['hello world', /starts with "hello world" instead of BEGIN:VCARD/],
    ['BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', /BEGIN:VCARD/],
    ['BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n', /no END:VCARD/],
    ['BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n', /no VERSION/],
    ['BEGIN:VCARD\r\nVERSION:2.1\r\nFN:x\r\nEND:VCARD\r\n', /version 2\.1 is not supported/],
    ['BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:b\r\nEND:VCARD\r\n', /holds 2 vCards/],
    ['BEGIN:VCARD\r\nVERSION:4.0\r\nthis line has no colon\r\nEND:VCARD\r\n', /line 3 is not a valid vCard property/],
  ])('text that is not one vCard gets an error that says what is wrong: %j', (text, message) => {
    expect(() => parseVcard(text)).toThrow(message);
  });

  it('describes the contact fields with their value types', () => {
    expect(vcardFieldInfo.map((f) => [f.name, f.type])).toEqual(Object.entries(vcardFieldTypes));
    expect(vcardFieldInfo.find((f) => f.name === 'emails')?.type).toBe('set');
  });
});

describe('vCard codec: writing', () => {
  it('an unchanged write gives back the original byte for byte (3.0 and 4.0, LF line breaks too)', () => {
    for (const text of [V3, V4, V4.replaceAll('\r\n', '\n')]) {
      expect(writeVcard({}, { uid: 'ignored', original: text })).toBe(text);
      expect(writeVcard(parseVcard(text).fields, { uid: 'ignored', original: text })).toBe(text);
    }
  });

  it('keeps unknown X- properties, their parameters, groups, PRODID and the version across a write that changes mapped fields', () => {
    const written = writeVcard({ title: 'CTO', emails: ['work:anna@work.example', 'other:anna@new.example'], familyName: 'Schmidt' }, { uid: 'ignored', original: V3 });
    for (const kept of ['VERSION:3.0', 'PRODID:-//Apple Inc.//Mac OS X 10.15//EN', 'item1.EMAIL;type=INTERNET;type=WORK;type=pref:anna@work.example', 'item1.X-ABLabel:_$!<Work>!$_', 'X-SOCIALPROFILE;type=twitter;X-USER=anna:https://twitter.com/anna', 'UID:3b1c5a52-aaaa-4bbb-8ccc-000000000001']) {
      expect(written).toContain(`\r\n${kept}\r\n`);
    }
    expect(written).not.toContain('anna@home.example');
    const { fields } = parseVcard(written);
    expect(fields).toMatchObject({ title: 'CTO', familyName: 'Schmidt', givenName: 'Anna', emails: ['other:anna@new.example', 'work:anna@work.example'], email: 'anna@work.example' });
    const v4 = writeVcard({ name: 'Bo B. Berg' }, { uid: 'ignored', original: V4 });
    expect(v4).toContain('\r\nX-CUSTOM;X-PARAM="a,b";LANGUAGE=sv:värde\r\n');
    expect(v4).toContain('\r\nKIND:individual\r\n');
    expect(v4).toContain('\r\nVERSION:4.0\r\n');
  });

  it('escapes , ; \\ and newlines in text values, and they read back', () => {
    const fields = { name: 'A, B; C \\ D', note: 'one\ntwo\r\nthree', organization: 'X;Y', department: 'a, b' };
    const written = writeVcard(fields, { uid: 'u' });
    // ical.js escapes `;` only where it separates components (N, ORG, ADR), as RFC 6350 3.4 asks.
    expect(written).toContain('FN:A\\, B; C \\\\ D\r\n');
    expect(written).toContain('ORG:X\\;Y;a\\, b\r\n');
    expect(written).toContain('NOTE:one\\ntwo\\nthree\r\n');
    expect(parseVcard(written).fields).toMatchObject({ name: 'A, B; C \\ D', note: 'one\ntwo\nthree', organization: 'X;Y', department: 'a, b' });
  });

  it('folds long lines at 75 octets of UTF-8, never inside a character, and unfolds them on reading', () => {
    const note = `${'x'.repeat(100)} ${'é'.repeat(60)} ${'😀'.repeat(30)} ${'日本語'.repeat(20)}`;
    const written = writeVcard({ name: 'Fold', note }, { uid: 'u' });
    const physical = written.split('\r\n');
    expect(physical.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(4);
    for (const l of physical) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    expect(written).not.toContain('\uFFFD');
    expect(parseVcard(written).fields.note).toBe(note);
  });

  it('a new card is 4.0 with the uid and FN by default, 3.0 with N when asked', () => {
    const v4 = writeVcard({ email: 'a@example.com' }, { uid: 'new-uid' });
    expect(v4).toBe('BEGIN:VCARD\r\nVERSION:4.0\r\nUID:new-uid\r\nFN:\r\nEMAIL:a@example.com\r\nEND:VCARD\r\n');
    const v3 = writeVcard({ name: 'Ann', phone: '+1 555 0100', birthday: '1990-01-31' }, { uid: 'u3', version: '3.0' });
    expect(parseVcard(v3)).toMatchObject({ uid: 'u3', version: '3.0', fields: { name: 'Ann', phone: '+1 555 0100', birthday: '1990-01-31' } });
    expect(v3).toContain('\r\nN:;;;;\r\n');
  });

  it('email alone replaces the preferred address and keeps its parameters; null removes it', () => {
    const changed = writeVcard({ email: 'anna@elsewhere.example' }, { uid: 'u', original: V3 });
    // Rewritten by ical.js (parameter names in capitals, repeated TYPEs joined), the group kept as written.
    expect(changed).toContain('\r\nitem1.EMAIL;TYPE=INTERNET,WORK,pref:anna@elsewhere.example\r\n');
    expect(parseVcard(changed).fields.emails).toEqual(['home:anna@home.example', 'work:anna@elsewhere.example']);
    const removed = parseVcard(writeVcard({ email: null }, { uid: 'u', original: V3 })).fields;
    expect(removed).toMatchObject({ email: 'anna@home.example', emails: ['home:anna@home.example'] });
  });

  it('refuses a field it does not know, naming it', () => {
    expect(() => writeVcard({ no_such_column: 'x' }, { uid: 'u' })).toThrow(/no field "no_such_column"/);
  });
});

// Values of the kinds a user types: letters of several scripts, punctuation vCard escapes, spaces inside.
const word = fc.stringMatching(/^[A-Za-z0-9äöüßéÅ日本😀.,;:\\'-]{1,12}$/);
const phrase = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
// ical.js splits N, ORG and ADR at a `;` after any backslash, so a component ending in `\` reads
// wrong (an ical.js limitation); those components are generated without backslashes.
const part = fc.array(word.map((w) => w.replaceAll('\\', '/')), { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const types = fc.subarray(['home', 'work', 'cell', 'voice', 'x-custom'], { maxLength: 2 });
const email = fc.tuple(fc.stringMatching(/^[a-z0-9.]{1,10}$/), fc.stringMatching(/^[a-z]{1,8}$/)).map(([l, d]) => `${l}@${d}.example`);
const phone = fc.stringMatching(/^\+?[0-9]{1,3}[ -]?[0-9]{2,8}$/);
const typed = (value: fc.Arbitrary<string>) => fc.tuple(types, value).map(([t, v]) => (t.length ? `${[...t].sort().join(',')}:${v}` : v));
const address = fc.tuple(types, fc.array(maybe(part), { minLength: 7, maxLength: 7 })).map(([t, parts]) => {
  const text = parts.map((p) => (p ?? '').replace(/\\/g, '\\\\').replace(/;/g, '\\;')).join(';');
  return t.length ? `${[...t].sort().join(',')}:${text}` : text;
});

const contact: fc.Arbitrary<VcardFields> = fc.record({
  name: maybe(phrase),
  familyName: maybe(part),
  givenName: maybe(part),
  additionalNames: maybe(part),
  namePrefix: maybe(part),
  nameSuffix: maybe(part),
  emails: fc.uniqueArray(typed(email), { maxLength: 3, selector: (e) => e.split(':').pop() }),
  phones: fc.uniqueArray(typed(phone), { maxLength: 3, selector: (e) => e.split(':').pop() }),
  organization: maybe(part),
  department: maybe(part),
  title: maybe(phrase),
  addresses: fc.uniqueArray(address.filter((a) => a.replace(/^[a-z,-]+:/, '').replace(/;/g, '') !== ''), { maxLength: 2 }),
  note: maybe(fc.array(phrase, { minLength: 1, maxLength: 3 }).map((l) => l.join('\n'))),
  birthday: maybe(fc.date({ min: new Date('1900-01-01'), max: new Date('2020-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))),
  categories: fc.uniqueArray(part, { maxLength: 3 }),
  urls: fc.uniqueArray(fc.webUrl(), { maxLength: 2 }),
});

/** The engine's canonical form of every field: what "the same fields" means to a sync. */
const canonical = (f: VcardFields) => Object.fromEntries(Object.entries(vcardFieldTypes).map(([k, t]) => [k, canonicalize(f[k] ?? null, t)]));

describe('vCard codec: round trip (property)', () => {
  it('fields → writeVcard → parseVcard gives the same fields, for 3.0 and 4.0, new and over an original', () => {
    fc.assert(
      fc.property(contact, contact, fc.constantFrom('3.0' as const, '4.0' as const), (a, b, version) => {
        const fresh = writeVcard(a, { uid: 'u', version });
        const read = parseVcard(fresh);
        expect(read.version).toBe(version);
        // The primary email/phone is a view of the set: the round trip gives the set back.
        const { email: _e, phone: _p, ...rest } = canonical(read.fields);
        const { email: _e2, phone: _p2, ...want } = canonical(a);
        expect(rest).toEqual(want);
        // Writing b over a's card gives b's fields (set fields decide; the primary follows).
        const over = parseVcard(writeVcard(b, { uid: 'u', original: fresh }));
        const { email: _e3, phone: _p3, ...overRest } = canonical(over.fields);
        const { email: _e4, phone: _p4, ...wantB } = canonical(b);
        expect(overRest).toEqual(wantB);
        expect(over.version).toBe(version);
      }),
      { numRuns: 300 },
    );
  });

  it('the primary email and phone round-trip too', () => {
    fc.assert(
      fc.property(maybe(email), maybe(phone), fc.constantFrom('3.0' as const, '4.0' as const), (e, p, version) => {
        const read = parseVcard(writeVcard({ email: e, phone: p }, { uid: 'u', version })).fields;
        expect([read.email, read.phone]).toEqual([e, p === null ? null : p.trim()]);
      }),
    );
  });
});

describe('vCard codec: a card written without a formatted name', () => {
  it('gets the name its N spells (an app with first and last name columns maps N, not FN), never an empty FN; a name the pair writes stays its own', () => {
    const created = writeVcard({ givenName: 'Anna', familyName: 'Müller', email: 'anna@example.com' }, { uid: 'u1', version: '3.0' });
    expect(parseVcard(created).fields).toMatchObject({ name: 'Anna Müller', givenName: 'Anna', familyName: 'Müller' });
    expect(created).toContain('FN:Anna Müller\r\n');
    expect(parseVcard(writeVcard({ namePrefix: 'Dr.', givenName: 'Jo', familyName: 'Lee', nameSuffix: 'PhD' }, { uid: 'u2' })).fields.name).toBe('Dr. Jo Lee PhD');
    // An update that leaves FN empty fills it; an FN the card has is left alone.
    const empty = crlf(['BEGIN:VCARD', 'VERSION:3.0', 'UID:u3', 'FN:', 'N:;;;;', 'END:VCARD']);
    expect(parseVcard(writeVcard({ givenName: 'Kim' }, { uid: 'u3', original: empty })).fields.name).toBe('Kim');
    expect(parseVcard(writeVcard({ givenName: 'Kim' }, { uid: 'x', original: V3 })).fields.name).toBe(parseVcard(V3).fields.name);
    // `name` given (even null): the pair decides FN.
    expect(parseVcard(writeVcard({ name: null, givenName: 'Kim' }, { uid: 'u4', version: '3.0' })).fields.name).toBeNull();
  });
});

describe('vCard codec: text normalisation', () => {
  it('reads decomposed accents as NFC (ASCII text skips the normalisation, others do not), an escaped line break as LF, and types the same however often they repeat', () => {
    const text = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:n', 'FN:Jose\u0301 Mu\u0308ller', 'NOTE:one\\ntwo', 'EMAIL;TYPE=INTERNET,WORK:a@x.com', 'EMAIL;TYPE=INTERNET,WORK:b@x.com', 'END:VCARD', ''].join('\r\n');
    for (let i = 0; i < 2; i++) {
      const { fields } = parseVcard(text);
      expect(fields.name).toBe('José Müller');
      expect(fields.name).toBe('José Müller'.normalize('NFC'));
      expect(fields.note).toBe('one\ntwo');
      expect(fields.emails).toEqual(['work:a@x.com', 'work:b@x.com']);
    }
  });
});
