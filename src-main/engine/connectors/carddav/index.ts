import { defineConnector } from '../config-check';
import { cardDavConfig } from './config';
import { createCardDavConnector } from './connector';

/**
 * CardDAV address books (RFC 6352): Radicale, Nextcloud, iCloud, Fastmail, Google Contacts'
 * CardDAV endpoint. Token mode where the book offers RFC 6578 sync-collection, hash mode always.
 */
export const cardDavDefinition = defineConnector({
  kind: 'carddav',
  label: 'CardDAV address book',
  description: 'Contacts on a CardDAV server (Nextcloud, Radicale, iCloud, Fastmail, …): each address book is a collection.',
  configSchema: cardDavConfig,
  // One request per write (PUT/DELETE); a multiget of 100 cards is one modest REPORT.
  capabilities: { changeDetection: ['token', 'hash'], realtime: 'poll', realtimeModes: ['token', 'hash'], deletes: 'reported', optimisticWrites: true, idempotentCreates: true, network: true, maxIdsPerRead: 100, readBatch: 100, writeBatch: 50 },
  create: ({ config, secret }) => createCardDavConnector(config, secret),
});
