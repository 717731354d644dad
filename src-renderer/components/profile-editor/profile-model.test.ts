import { describe, expect, it } from 'vitest';
import { BLANK_PROFILE, exportFileName, getAt, isShown, parseProfileText, setAt, COLLECTION_CONTROLS } from './profile-model';

describe('the app profile as the form edits it', () => {
  it('sets a value by path, making objects on the way, without touching the original', () => {
    const before = structuredClone(BLANK_PROFILE);
    const after = setAt(before, ['collections', 0, 'list', 'modifiedSince', 'param'], 'updated_since');
    expect(getAt(after, ['collections', 0, 'list', 'modifiedSince'])).toEqual({ param: 'updated_since' });
    expect(before).toEqual(BLANK_PROFILE);
  });

  it('removing an optional setting removes the object it leaves empty (the schema refuses {}), and keeps settings the form does not show', () => {
    const withExtra = setAt(setAt(BLANK_PROFILE, ['collections', 0, 'list', 'modifiedSince', 'param'], 'since'), ['headers'], { 'Api-Version': '2' });
    const cleared = setAt(withExtra, ['collections', 0, 'list', 'modifiedSince', 'param'], undefined);
    expect(getAt(cleared, ['collections', 0, 'list'])).toEqual({ path: '/contacts', records: '$' });
    expect(cleared.headers).toEqual({ 'Api-Version': '2' });
  });

  it('reads an empty value as the blank profile, and says why a text is not one', () => {
    expect(parseProfileText('')).toEqual({ ok: true, profile: BLANK_PROFILE });
    expect(parseProfileText('[1]')).toEqual({ ok: false, error: 'The profile must be a JSON object ({ … }).' });
    const broken = parseProfileText('{"name": ');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.error).toMatch(/^The profile is not valid JSON: /);
  });

  it('names an exported file after the app, plainly', () => {
    expect(exportFileName({ name: 'HubSpot — Contacts (EU)' })).toBe('hubspot-contacts-eu.profile.json');
    expect(exportFileName({})).toBe('app.profile.json');
  });

  it('shows a paging setting only for its style', () => {
    const next = COLLECTION_CONTROLS.find((c) => c.label === 'Next cursor in the answer at');
    if (!next) throw new Error('no control');
    expect(isShown(next, BLANK_PROFILE)).toBe(false);
    expect(isShown(next, setAt(BLANK_PROFILE, ['collections', 0, 'list', 'paging'], { style: 'cursor' }))).toBe(true);
  });
});
