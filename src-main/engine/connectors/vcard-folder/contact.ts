/**
 * A contact of a vCard folder as the connector hands it on: the record (its id field is the file
 * name) and, when the file was read for a write, its bytes and text.
 */
import type { AppRecord } from '../types';
import type { VcardFields } from '../vcard/codec';

export const ID_FIELD = 'id';

export type Loaded = { id: string; bytes: Buffer; text: string; record: AppRecord };

/** The op's vCard fields, without the id field (the file name, never a vCard property). */
export const vcardFields = (fields: Record<string, unknown>): VcardFields => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== ID_FIELD));

/**
 * A record whose fields are parsed from its file when first read (`load`): the engine never looks
 * at the fields of a record still at its link's version (most of a scan), so an unchanged file is
 * never opened. `fields` is an own enumerable property (spread, JSON and structuredClone see it)
 * and can be set.
 */
export function lazyRecord(id: string, version: string, load: () => VcardFields): AppRecord {
  const rec: AppRecord = { id, version, fields: {} };
  const settle = (value: AppRecord['fields']) => Object.defineProperty(rec, 'fields', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(rec, 'fields', {
    enumerable: true,
    configurable: true,
    get: () => {
      const fields = { [ID_FIELD]: id, ...load() };
      settle(fields);
      return fields;
    },
    set: settle,
  });
  return rec;
}
