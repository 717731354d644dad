import { describe, expect, it } from 'vitest';
import { CARDDAV, DAV, foundProp, parseMultistatus } from './xml';

describe('multistatus parsing matches on namespace URI and local name, not on prefixes', () => {
  const answers = {
    'D: prefix': `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:response><D:href>/b/a.vcf</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:address-data>BEGIN:VCARD&#13;
END:VCARD</C:address-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:sync-token>tok&amp;1</D:sync-token></D:multistatus>`,
    'default namespace': `<?xml version="1.0"?><multistatus xmlns="DAV:"><response><href>/b/a.vcf</href><propstat><prop><getetag>"1"</getetag><address-data xmlns="urn:ietf:params:xml:ns:carddav">BEGIN:VCARD&#13;
END:VCARD</address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response><sync-token>tok&amp;1</sync-token></multistatus>`,
    'other prefixes': `<ns0:multistatus xmlns:ns0="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><ns0:response><ns0:href>/b/a.vcf</ns0:href><ns0:propstat><ns0:prop><ns0:getetag>"1"</ns0:getetag><card:address-data><![CDATA[BEGIN:VCARD\r
END:VCARD]]></card:address-data></ns0:prop><ns0:status>HTTP/1.1 200 OK</ns0:status></ns0:propstat></ns0:response><ns0:sync-token>tok&amp;1</ns0:sync-token></ns0:multistatus>`,
  };
  it.each(Object.entries(answers))('%s', (_name, xml) => {
    const ms = parseMultistatus(xml);
    expect(ms.syncToken).toBe('tok&1');
    const r = ms.responses[0];
    expect(r?.href).toBe('/b/a.vcf');
    expect(r && foundProp(r, DAV, 'getetag')?.text).toBe('"1"');
    // XML turns a literal CR LF into LF (the client puts vCard's CR LF back); an escaped CR stays.
    expect(r && foundProp(r, CARDDAV, 'address-data')?.text).toMatch(/^BEGIN:VCARD\r?\nEND:VCARD$/);
  });

  it('a response element in a foreign namespace is not a DAV response; a non-multistatus answer throws', () => {
    expect(parseMultistatus(`<D:multistatus xmlns:D="DAV:" xmlns:X="urn:x"><X:response><X:href>/x</X:href></X:response></D:multistatus>`).responses).toEqual([]);
    expect(() => parseMultistatus('<html><body>Not DAV</body></html>')).toThrow(/multistatus/);
  });
});
