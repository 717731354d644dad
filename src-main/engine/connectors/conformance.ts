/**
 * One conformance suite for every connector. A subject gives a fresh connector over a fresh app
 * and a driver that changes the app directly (not through the connector), the way a user of the
 * app would. The suite runs each change-detection mode the collection declares.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeDetection, ConnectorCapabilities } from '../api/model';
import { kitCases } from './conformance-kit';
import type { AppRecord, ChangeBatch, Connector, ConnectorDefinition, Cursor } from './types';

export type SeedRow = { id: string; name: string; email: string };

export type ConformanceApp = {
  /** Adds rows as the app would; `at` (ISO UTC) sets their last-modified time where the app has one. */
  insert(rows: SeedRow[], at?: string): void | Promise<void>;
  update(id: string, fields: Partial<Omit<SeedRow, 'id'>>, at?: string): void | Promise<void>;
  remove(id: string): void | Promise<void>;
};

/** A server a network connector talks to, stopped and started by the suite (network loss, a server that comes back). */
export type ServerHooks = { stop(): Promise<void>; start(): Promise<void> };

export type ConformanceSetup = {
  connector: Connector;
  collection: string;
  app: ConformanceApp;
  idField: string;
  /** A fresh connector on the same app and config (what the engine opens after a network error). Required with `network`. */
  reopen?: () => Connector | Promise<Connector>;
  /** Required for connectors whose capabilities say `network`. */
  server?: ServerHooks;
};

export type ConformanceSubject = {
  name: string;
  /** The registry's definition: its capabilities gate the cases that do not apply, and whether it takes a secret. */
  definition: ConnectorDefinition;
  /** The capabilities under test: the definition's, unless a subject narrows them (a config without a flag column). */
  capabilities: ConnectorCapabilities;
  setup(dir: string): ConformanceSetup | Promise<ConformanceSetup>;
  /** For connectors that take a secret: a connector on the same app with a wrong password or token. */
  wrongSecret?(dir: string): Connector | Promise<Connector>;
};

/** What each case sees: the subject's setup and its temp folder. */
export type ConformanceState = ConformanceSetup & { dir: string };

const signal = () => new AbortController().signal;

export async function collect(connector: Connector, collection: string, cursor: Cursor | null, mode: ChangeDetection, batchSize = 100, lookBackSeconds = 0) {
  const batches: ChangeBatch[] = [];
  for await (const b of connector.changes(collection, cursor, { mode, signal: signal(), batchSize, lookBackSeconds })) batches.push(b);
  const upserts = batches.flatMap((b) => b.upserts);
  return { batches, upserts, ids: upserts.map((r) => r.id), deletes: batches.flatMap((b) => b.deletes), cursor: batches.at(-1)?.cursor ?? cursor };
}

const rows = (n: number, prefix = 'r'): SeedRow[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i + 1).padStart(3, '0')}`, name: `Name ${i + 1}`, email: `p${i + 1}@example.com` }));

export function runConformance(subjects: ConformanceSubject[]): void {
  describe.each(subjects)('connector conformance: $name', (subject) => {
    let dir: string;
    let s: ConformanceSetup;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'concord-conf-'));
      s = await subject.setup(dir);
    });
    afterEach(async () => {
      await s.connector.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const modes = async (): Promise<ChangeDetection[]> => {
      const { collections } = await s.connector.describe();
      return collections.find((c) => c.name === s.collection)?.changeDetection ?? [];
    };
    const fieldsOf = (r: AppRecord | undefined) => ({ name: r?.fields.name, email: r?.fields.email });

    it('describes the collection with its key and at least one change-detection mode', async () => {
      const { collections } = await s.connector.describe();
      const c = collections.find((x) => x.name === s.collection);
      expect(c?.primaryKey).toEqual([s.idField]);
      expect(c?.fields.map((f) => f.name)).toEqual(expect.arrayContaining([s.idField, 'name', 'email']));
      expect(c?.changeDetection.length).toBeGreaterThan(0);
      await expect(s.connector.test()).resolves.toBeUndefined();
    });

    it('reads every record from a null cursor, in pages, in every mode; a hash scan and a first flag read say they are complete', async () => {
      await s.app.insert(rows(7), '2024-05-01T10:00:00.000Z');
      // Records that exist unflagged (synced by some earlier tool, or imported) are read too.
      const read = await s.connector.read(s.collection, ['r002', 'r005']);
      await s.connector.clearFlags?.(s.collection, read.map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) })));
      for (const mode of await modes()) {
        const r = await collect(s.connector, s.collection, null, mode, 3);
        expect(r.batches.length, mode).toBeGreaterThanOrEqual(3);
        expect([...r.ids].sort(), mode).toEqual(rows(7).map((x) => x.id));
        expect(new Set(r.ids).size).toBe(7);
        expect(fieldsOf(r.upserts.find((u) => u.id === 'r003'))).toEqual({ name: 'Name 3', email: 'p3@example.com' });
        // A first capture read lists every row too (its change table starts after it).
        if (mode === 'hash' || mode === 'flag' || mode === 'capture') {
          expect(r.batches.at(-1)?.complete, mode).toBe(true);
          if (mode === 'hash') expect(r.batches.at(-1)?.total).toBe(7);
          expect(r.batches.slice(0, -1).every((b) => !b.complete)).toBe(true);
        } else {
          // `complete` lets the engine infer deletes by absence: a cursor read that claimed it
          // would make every unchanged linked record look deleted.
          expect(r.batches.some((b) => b.complete), `${mode} read marked complete`).toBe(false);
        }
      }
    });

    it('re-reads from a cursor: sees new and updated rows, including same-timestamp rows at a page boundary (PITFALLS 6)', async () => {
      const T = '2024-05-01T10:00:00.000Z';
      await s.app.insert(rows(4), T);
      for (const mode of await modes()) {
        if (mode === 'flag') continue;
        const first = await collect(s.connector, s.collection, null, mode, 2);
        // Same timestamp as the cursor, one id before and one after the cursor's id.
        const extra = [{ id: mode === 'cursor' ? 'r000' : `r000${mode}`, name: 'Early', email: 'e@x' }, { id: `r999${mode}`, name: 'Late', email: 'l@x' }];
        await s.app.insert(extra, T);
        await s.app.update('r002', { name: `Changed ${mode}` }, '2024-05-01T10:00:05.000Z');
        const next = await collect(s.connector, s.collection, first.cursor, mode, 2, 1);
        expect(next.ids, mode).toEqual(expect.arrayContaining([extra[0]?.id, extra[1]?.id, 'r002']));
        expect(next.upserts.find((u) => u.id === 'r002')?.fields.name).toBe(`Changed ${mode}`);
      }
    });

    it('rows inserted while paging are neither duplicated nor lose an existing row (PITFALLS 10)', async () => {
      await s.app.insert(rows(6), '2024-05-01T10:00:00.000Z');
      for (const mode of await modes()) {
        if (mode === 'flag') continue;
        const seen: string[] = [];
        let cursor: Cursor | null = null;
        let i = 0;
        for await (const b of s.connector.changes(s.collection, null, { mode, signal: signal(), batchSize: 2 })) {
          for (const u of b.upserts) seen.push(u.id);
          cursor = b.cursor;
          if (i++ === 0) await s.app.insert([{ id: `a000${mode}`, name: 'Inserted low', email: 'x' }, { id: `z999${mode}`, name: 'Inserted high', email: 'y' }], '2024-05-01T11:00:00.000Z');
        }
        expect(new Set(seen).size, mode).toBe(seen.length);
        for (const r of rows(6)) expect(seen, mode).toContain(r.id);
        // Whatever this pass missed, the next pass from its cursor sees.
        const next = await collect(s.connector, s.collection, cursor, mode, 2);
        expect([...seen, ...next.ids], mode).toEqual(expect.arrayContaining([`a000${mode}`, `z999${mode}`]));
      }
    });

    it('pitfall 5: a row stamped in the future is reported and never moves the cursor past now, so a row written later with a correct clock is read', async () => {
      if (!(await modes()).includes('cursor')) return;
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      await s.app.insert(rows(2), hourAgo);
      await s.app.insert([{ id: 'f001', name: 'From the future', email: 'f@x' }], '2099-01-01T00:00:00.000Z');
      const first = await collect(s.connector, s.collection, null, 'cursor', 2, 5);
      expect([...first.ids].sort()).toEqual(['f001', 'r001', 'r002']);
      expect(first.batches.flatMap((b) => b.futureStamped ?? [])).toEqual(['f001']);
      expect(first.batches.filter((b) => !b.upserts.some((u) => u.id === 'f001')).every((b) => !b.futureStamped?.length)).toBe(true);
      // The app writes a row now, with a correct clock: far behind the future row.
      await s.app.insert([{ id: 'n001', name: 'Now', email: 'n@x' }], new Date().toISOString());
      const next = await collect(s.connector, s.collection, first.cursor, 'cursor', 2, 5);
      expect(next.ids).toContain('n001');
      // The future row is read (and reported) again until the app's clock reaches it.
      expect(next.batches.flatMap((b) => b.futureStamped ?? [])).toEqual(['f001']);
    });

    it('flag mode: a read from the stored cursor lists only flagged records and is not complete; the first read lists them all', async () => {
      if (!(await modes()).includes('flag')) return;
      await s.app.insert(rows(4), '2024-05-01T10:00:00.000Z');
      const first = await collect(s.connector, s.collection, null, 'flag', 3);
      expect([...first.ids].sort()).toEqual(rows(4).map((x) => x.id));
      await s.connector.clearFlags?.(s.collection, first.upserts.map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) })));
      await s.app.update('r003', { name: 'Edited' }, '2024-05-01T10:00:05.000Z');
      const next = await collect(s.connector, s.collection, first.cursor, 'flag', 3);
      expect(next.ids).toEqual(['r003']);
      expect(next.batches.some((b) => b.complete)).toBe(false);
    });

    it('pitfall 7: clearFlags keeps the flag of a record the app edited after it was read, so the next read has it', async () => {
      if (!(await modes()).includes('flag')) return;
      await s.app.insert(rows(3), '2024-05-01T10:00:00.000Z');
      const read = await collect(s.connector, s.collection, null, 'flag');
      // The app edits r002 while Concord is busy writing what it read.
      await s.app.update('r002', { name: 'Edited during the run' }, '2024-05-01T10:00:05.000Z');
      await s.connector.clearFlags?.(s.collection, read.upserts.map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) })));
      const next = await collect(s.connector, s.collection, read.cursor, 'flag');
      expect(next.ids).toEqual(['r002']);
      expect(next.upserts[0]?.fields.name).toBe('Edited during the run');
      // Clearing with the version just read does clear it.
      await s.connector.clearFlags?.(s.collection, next.upserts.map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) })));
      expect((await collect(s.connector, s.collection, read.cursor, 'flag')).ids).toEqual([]);
    });

    it('reads by ids and leaves out ids that do not exist', async () => {
      await s.app.insert(rows(3));
      const got = await s.connector.read(s.collection, ['r003', 'missing', 'r001']);
      expect(got.map((r) => r.id)).toEqual(['r003', 'r001']);
      expect(got[0]?.version).toBeTruthy();
    });

    it('creates, updates and deletes with one result per op; one bad op does not fail the batch (PITFALLS 14)', async () => {
      await s.app.insert(rows(3));
      const results = await s.connector.write(s.collection, [
        { op: 'create', key: 'k1', fields: { [s.idField]: 'n001', name: 'New', email: 'new@x' } },
        { op: 'update', id: 'nope', fields: { name: 'Ghost' } },
        { op: 'update', id: 'r001', fields: { name: 'Renamed' } },
        { op: 'create', key: 'k2', fields: { [s.idField]: 'n002', no_such_column: 'x' } },
        { op: 'delete', id: 'r002' },
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true, false, true]);
      expect(results[0]).toMatchObject({ ok: true, id: 'n001' });
      expect(results[1]).toMatchObject({ ok: false, reason: 'not-found' });
      expect(results[3]).toMatchObject({ ok: false, reason: 'invalid' });
      const after = await s.connector.read(s.collection, ['n001', 'r001', 'r002', 'n002']);
      expect(after.map((r) => r.id)).toEqual(['n001', 'r001']);
      expect(after[1]?.fields.name).toBe('Renamed');
      expect(after[1]?.version).toBe(results[2]?.ok ? results[2].version : 'no');
    });

    it('refuses an update or delete whose ifVersion is stale', async () => {
      await s.app.insert(rows(2));
      const [r1, r2] = await s.connector.read(s.collection, ['r001', 'r002']);
      await s.app.update('r001', { name: 'Changed in the app' }, '2024-06-01T00:00:00.000Z');
      await s.app.update('r002', { email: 'changed@x' }, '2024-06-01T00:00:00.000Z');
      const results = await s.connector.write(s.collection, [
        { op: 'update', id: 'r001', fields: { name: 'Concord' }, ifVersion: r1?.version ?? '' },
        { op: 'delete', id: 'r002', ifVersion: r2?.version ?? '' },
      ]);
      expect(results).toMatchObject([{ ok: false, reason: 'stale' }, { ok: false, reason: 'stale' }]);
      const [fresh] = await s.connector.read(s.collection, ['r001']);
      expect(fresh?.fields.name).toBe('Changed in the app');
      const ok = await s.connector.write(s.collection, [{ op: 'update', id: 'r001', fields: { name: 'Concord' }, ifVersion: fresh?.version ?? '' }]);
      expect(ok[0]?.ok).toBe(true);
    });

    it('a full scan no longer contains a deleted record (deletes detected)', async () => {
      await s.app.insert(rows(4));
      await s.app.remove('r002');
      const scan = await collect(s.connector, s.collection, null, 'hash', 2);
      expect(scan.batches.at(-1)?.complete).toBe(true);
      expect(scan.ids.sort()).toEqual(['r001', 'r003', 'r004']);
    });

    kitCases(subject, () => ({ ...s, dir }));
  });
}
