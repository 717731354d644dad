/**
 * The app profiles Concord ships, written from each app's public API documentation (issue 11 §3).
 * Each is marked `status: 'documentation'` — not tested against the live service — until someone
 * runs it against the real app and changes it to 'tested'. They reach the wizard as the REST
 * connector's presets ("Start from: HubSpot contacts…"): the profile as JSON text in the
 * connection's config, ready to edit. What each leaves to fill in (`{databaseId}`) is in its notes,
 * and the connector names any placeholder left (placeholders.ts).
 */
import type { ConnectorPreset } from '../../../api/model';
import { parseProfile } from '../profile';
import airtable from './airtable-records.json';
import google from './google-contacts.json';
import hubspot from './hubspot-contacts.json';
import notion from './notion-database-pages.json';
import pipedrive from './pipedrive-persons.json';

/** Each shipped profile as JSON (what the files hold), with the preset's id and label. */
export const shippedProfiles: readonly { id: string; label: string; json: unknown }[] = [
  { id: 'hubspot-contacts', label: 'HubSpot contacts', json: hubspot },
  { id: 'airtable-records', label: 'Airtable records (one table)', json: airtable },
  { id: 'notion-database-pages', label: 'Notion database pages', json: notion },
  { id: 'google-contacts', label: 'Google Contacts', json: google },
  { id: 'pipedrive-persons', label: 'Pipedrive persons', json: pipedrive },
];

/**
 * The presets of the REST connector. Parsed at start-up: a shipped profile the schema refuses is a
 * bug that fails the app's start (and the test that checks them), never a wizard that half works.
 */
export function shippedPresets(): ConnectorPreset[] {
  return shippedProfiles.map(({ id, label, json }) => {
    const profile = parseProfile(json);
    return { id, label, status: profile.status, notes: profile.notes ?? '', config: { profile: JSON.stringify(json, null, 2) } };
  });
}
