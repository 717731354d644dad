/**
 * "Try it" (`connections/try`): the first records of a collection, read the way a first sync reads
 * them, and the fields they hold — so a user sees what a connection's settings give (a REST
 * profile's paths, a CSV file's columns) before saving them. Reads only; the first page is taken
 * and the read stopped, so a big collection costs one page.
 */
import type { ConnectionSample, ConnectorCallKind } from '../api/model';
import { ApiError } from '../api/errors';
import type { Connector, ConnectorDefinition } from '../connectors/types';

export const SAMPLE_SIZE = 5;

export type SampleCall = <T>(kind: ConnectorCallKind, run: (c: Connector, signal: AbortSignal) => Promise<T>) => Promise<T>;

export async function sampleCollection(call: SampleCall, definition: ConnectorDefinition, label: string, wanted: string | undefined, limit: number): Promise<ConnectionSample> {
  const { collections } = await call('describe', (c, signal) => c.describe({ signal }));
  const info = wanted === undefined ? collections[0] : collections.find((c) => c.name === wanted);
  if (!info) {
    const names = collections.map((c) => c.name);
    throw new ApiError(
      'invalid-input',
      wanted === undefined ? `${label} describes no collection to try: check the settings (the table, file or list they name).` : `${label} has no collection "${wanted}" — it has: ${names.join(', ') || 'none'}.`,
    );
  }
  // A first read lists what there is in every mode; hash mode when the collection has it (no cursor to set up).
  const mode = info.changeDetection.includes('hash') ? 'hash' : (info.changeDetection[0] ?? definition.capabilities.changeDetection[0] ?? 'hash');
  const records = await call('changes', async (c, signal) => {
    const got: ConnectionSample['records'] = [];
    const iterator = c.changes(info.name, null, { mode, signal, batchSize: limit })[Symbol.asyncIterator]();
    try {
      while (got.length < limit) {
        const next = await iterator.next();
        if (next.done) break;
        for (const r of next.value.upserts.slice(0, limit - got.length)) got.push({ id: r.id, ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}), fields: r.fields });
      }
    } finally {
      // Stops the read after the page it needed (a generator's finally blocks run: files closed, cursors released).
      await iterator.return?.();
    }
    return got;
  });
  const fields: ConnectionSample['fields'] = info.fields.map((f) => ({ name: f.name, type: f.type, described: true, example: records.find((r) => r.fields[f.name] != null)?.fields[f.name] ?? null }));
  const known = new Set(fields.map((f) => f.name));
  for (const r of records) {
    for (const [name, value] of Object.entries(r.fields)) {
      if (known.has(name)) continue;
      known.add(name);
      fields.push({ name, type: null, described: false, example: value ?? null });
    }
  }
  return { collection: info.name, collections: collections.map((c) => c.name), records, fields };
}
