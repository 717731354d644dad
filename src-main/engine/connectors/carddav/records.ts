/**
 * Cards ↔ records. A record's id is the card's resource name in its address book (the last
 * segment of its href): what sync-collection reports deletes by and what multiget, PUT and DELETE
 * take. Its version is the card's ETag; its fields are the vCard codec's contact fields plus `id`.
 */
import { createHash } from 'node:crypto';
import type { CollectionField } from '../../api/model';
import { ConnectorError } from '../errors';
import type { AppRecord } from '../types';
import { parseVcard, vcardFieldInfo, VcardError } from '../vcard/codec';
import type { Card } from './client';

/** The record field holding the card's resource name: the collection's key. */
export const ID_FIELD = 'id';

export const cardFields: CollectionField[] = [{ name: ID_FIELD, type: 'string', nullable: false, key: true }, ...vcardFieldInfo];

export function toRecord(card: Card, book: string): AppRecord {
  let parsed;
  try {
    parsed = parseVcard(card.body);
  } catch (error) {
    // A card Concord cannot read stops the read: leaving it out would look like a delete to a full scan.
    const why = error instanceof VcardError ? error.message : String(error);
    throw new ConnectorError('invalid', `The card “${card.name}” in address book ${book} cannot be read (${why}) — fix or remove it in your contacts app, then sync again.`, { cause: error });
  }
  return { id: card.name, version: card.etag, fields: { [ID_FIELD]: card.name, ...parsed.fields } };
}

/** A resource name Concord can use: one path segment, not `.` or `..`, of a sensible length. */
export function badName(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return `“${name}” cannot name a card`;
  if (name.includes('/')) return `a card’s name cannot contain “/” (“${name}”)`;
  if (name.length > 200) return 'a card’s name is at most 200 characters long';
  return null;
}

/**
 * The UID and resource name a create with this idempotency key gets: the same key always gives
 * the same ones, so a repeated create finds the card the first one made (and knows it is its own
 * by the UID) instead of making a second.
 */
export function createIdentity(key: string): { uid: string; name: string } {
  const h = createHash('sha256').update(`concord-create:${key}`).digest('hex');
  // Shaped as a UUID (version 4 / variant bits set) so apps that expect one take it.
  const uid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { uid, name: `${uid}.vcf` };
}
