// The app profiles Concord ships (issue 11 §3): each passes the profile schema, says it was written
// from the documentation and not tested against the live service, says what to fill in and what it
// does not use, and names exactly the placeholders it leaves — which the connector refuses to send
// until they are filled, with a message that names each and where it is.
import { describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../../credentials/secret-handle';
import { restDefinition } from '..';
import { createRestConnector } from '../connector';
import { unfilledPlaceholders } from '../placeholders';
import { checkProfile, parseProfile } from '../profile';
import { formatTime, resolutionMs } from '../time-format';
import { shippedPresets, shippedProfiles } from '.';

const LEFT_TO_FILL: Record<string, string[]> = {
  'hubspot-contacts': [],
  'airtable-records': ['baseId', 'tableIdOrName'],
  'notion-database-pages': ['databaseId'],
  'google-contacts': ['clientId'],
  'pipedrive-persons': [],
};

describe('shipped app profiles', () => {
  it('ships HubSpot contacts, Airtable records, Notion database pages, Google Contacts and Pipedrive persons', () => {
    expect(shippedProfiles.map((p) => p.id)).toEqual(Object.keys(LEFT_TO_FILL));
  });

  it.each(shippedProfiles.map((p) => [p.id, p] as const))('%s passes the profile schema and is marked as written from the documentation', (_id, shipped) => {
    const checked = checkProfile(shipped.json);
    expect(checked.ok ? [] : checked.issues).toEqual([]);
    const profile = parseProfile(shipped.json);
    expect(profile.status).toBe('documentation');
    expect(profile.notes).toContain('Written from the documentation, not tested against the live service');
    expect(profile.notes).toMatch(/Fill in: /);
    expect(profile.notes).toMatch(/Not used: /);
    // Documented APIs are https; plain http is for the stand-in only.
    expect(profile.baseUrl).toMatch(/^https:\/\//);
  });

  it.each(shippedProfiles.map((p) => [p.id, p] as const))('%s leaves exactly its documented placeholders, and its notes name each', (id, shipped) => {
    const profile = parseProfile(shipped.json);
    const names = [...new Set(unfilledPlaceholders(profile).map((u) => u.name))].sort();
    expect(names).toEqual(LEFT_TO_FILL[id]);
    for (const n of names) expect(profile.notes).toContain(`{${n}}`);
  });

  it('a connector refuses to send a request while a placeholder is left, naming where; filling it (or the Base URL) lets it go', async () => {
    const notion = parseProfile(shippedProfiles.find((p) => p.id === 'notion-database-pages')!.json);
    const c = createRestConnector({ profile: notion, secret: memorySecretHandle('secret_x') });
    await expect(c.test()).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('{databaseId} (in collections[0].list.path, collections[0].create.body.parent.database_id)') });
    await expect(c.read('pages', ['p1'])).rejects.toMatchObject({ reason: 'config' });
    const filled = parseProfile(JSON.parse(JSON.stringify(shippedProfiles.find((p) => p.id === 'notion-database-pages')!.json).replaceAll('{databaseId}', '0123456789abcdef0123456789abcdef')));
    expect(unfilledPlaceholders(filled)).toEqual([]);

    const airtable = parseProfile(shippedProfiles.find((p) => p.id === 'airtable-records')!.json);
    expect(unfilledPlaceholders(airtable).map((u) => u.where)).toEqual(['baseUrl', 'baseUrl']);
    await expect(createRestConnector({ profile: airtable, secret: memorySecretHandle('pat') }).test()).rejects.toMatchObject({ message: expect.stringContaining("setting the connection's Base URL") });
    expect(unfilledPlaceholders(airtable, 'https://api.airtable.com/v0/appAbc123/Contacts')).toEqual([]);
  });

  it('reach the wizard as the REST connector’s presets, each a config its form accepts', () => {
    const presets = shippedPresets();
    expect(restDefinition.presets?.map((p) => p.id)).toEqual(presets.map((p) => p.id));
    for (const p of presets) {
      expect(Object.keys(p.config)).toEqual(['profile']);
      expect(JSON.parse(String(p.config.profile))).toEqual(shippedProfiles.find((s) => s.id === p.id)?.json);
      expect(p.notes.length).toBeGreaterThan(100);
    }
  });

  it('Notion keeps last_edited_time to the minute: its filter is written to the minute, so the cursor looks back a minute', () => {
    const notion = parseProfile(shippedProfiles.find((p) => p.id === 'notion-database-pages')!.json);
    const format = notion.collections[0]!.list.modifiedSince!.format!;
    expect(formatTime(Date.parse('2024-05-01T10:07:42.123Z'), format)).toBe('2024-05-01T10:07:00.000Z');
    expect(resolutionMs(format)).toBe(60_000);
  });
});
