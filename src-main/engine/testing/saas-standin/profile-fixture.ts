/**
 * The app profile of the SaaS stand-in, as a user would write it for this API, with a hook to
 * change any part (another paging style, a quirk declared). Tests and the conformance suite build
 * their REST connectors from it.
 */
import type { ProfileInput } from '../../connectors/rest/profile';

type CollectionInput = ProfileInput['collections'][number];
export type StandinProfileTweak = { profile?: Partial<Omit<ProfileInput, 'collections'>>; contacts?: Partial<CollectionInput> };

export const STANDIN_API_KEY = 'standin-key-123';

export function standinProfile(baseUrl: string, tweak: StandinProfileTweak = {}): ProfileInput {
  const contacts: CollectionInput = {
    name: 'contacts',
    label: 'Contacts',
    list: {
      path: '/contacts',
      records: '$.data',
      total: '$.total',
      paging: { style: 'cursor', cursorParam: 'cursor', next: '$.next_cursor', sizeParam: 'limit' },
      pageSize: 100,
      modifiedSince: { param: 'updated_since' },
    },
    id: 'id',
    updatedAt: 'updated_at',
    createdAt: 'created_at',
    fields: [
      { name: 'name' },
      { name: 'email' },
      { name: 'phone' },
      { name: 'company' },
      { name: 'address.street' },
      { name: 'address.city' },
      { name: 'address.postcode' },
      { name: 'tags', type: 'set' },
    ],
    get: { path: '/contacts/{id}' },
    create: { method: 'POST', path: '/contacts' },
    update: { method: 'PATCH', path: '/contacts/{id}' },
    delete: { method: 'DELETE', path: '/contacts/{id}' },
    concurrency: { kind: 'etag' },
    ...tweak.contacts,
  };
  return {
    name: 'SaaS stand-in',
    status: 'tested',
    baseUrl,
    auth: { kind: 'api-key', in: 'header', name: 'X-Api-Key' },
    ...tweak.profile,
    collections: [contacts],
  };
}
