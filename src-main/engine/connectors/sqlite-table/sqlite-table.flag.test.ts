/**
 * Flag mode through the engine, on real SQLite apps: the first sync reads every row (flagged or
 * not), and a flag is cleared only on the version the run read (PITFALLS 7: an edit the app makes
 * while a run writes is never marked synced without being synced).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, WriteOp, WriteResult } from '../types';
import { collect } from '../conformance';
import { createSqliteTableConnector } from './connector';
import { appExec, appInsert, appRows, appSql, appUpdate, createApp, interceptWrites, removeDir, setupPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';

const flagOf = (path: string, id: number): unknown => appExec(path, (d) => d.prepare('SELECT needs_sync FROM contacts WHERE id = ?').pluck().get(id));
const names = (path: string) => appRows(path).map((r) => `${r.email}:${r.name}`).sort();

describe('sqlite-table flag mode through the engine', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('pitfall 7: an edit the app makes while a run writes keeps its flag, and the next run syncs it', async () => {
    let billing = '';
    let during: (() => void) | null = null;
    const hook = async (real: Connector, c: string, ops: WriteOp[], id: string): Promise<WriteResult[]> => {
      if (id === billing && during) {
        during();
        during = null;
      }
      return real.write(c, ops);
    };
    const s = await setupPair({}, { wrap: interceptWrites(hook), modes: ['flag', 'flag'] });
    kit = s.kit;
    dir = s.dir;
    billing = s.rightConn;
    const ann = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    expect((await syncAndWait(kit, s.pairId)).counts.created).toBe(1);

    appUpdate(s.left, ann, { name: 'Ann 2' });
    // The app edits Ann again after Concord read "Ann 2" and before it clears her flag.
    during = () => appUpdate(s.left, ann, { name: 'Ann 3' });
    const second = await syncAndWait(kit, s.pairId);
    expect([second.status, second.counts.updated]).toEqual(['succeeded', 1]);
    expect(names(s.right)).toEqual(['ann@example.com:Ann 2']);
    expect(flagOf(s.left, ann)).toBe(1);

    const third = await syncAndWait(kit, s.pairId);
    expect([third.status, third.counts.updated]).toEqual(['succeeded', 1]);
    expect(names(s.right)).toEqual(['ann@example.com:Ann 3']);
    expect(flagOf(s.left, ann)).toBe(0);
    expect((await syncAndWait(kit, s.pairId)).counts.updated).toBe(0);
  });

  it("flag mode's first sync copies the rows that already exist unflagged, on both sides", async () => {
    const s = await setupPair({}, { modes: ['flag', 'flag'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'bob@example.com', name: 'Bob', score: 2 });
    appInsert(s.right, { email: 'cy@example.com', name: 'Cy', score: 3 });
    // Synced before Concord by some other tool (or imported): no row is flagged.
    appSql(s.left, 'UPDATE contacts SET needs_sync = 0');
    appSql(s.right, 'UPDATE contacts SET needs_sync = 0');
    appInsert(s.left, { email: 'dee@example.com', name: 'Dee', score: 4 });

    const first = await syncAndWait(kit, s.pairId);
    expect([first.status, first.counts.created]).toEqual(['succeeded', 4]);
    expect(names(s.right)).toEqual(names(s.left));
    expect(names(s.left)).toHaveLength(4);

    // Later runs read flagged rows only: nothing is taken for deleted, nothing is copied again.
    const second = await syncAndWait(kit, s.pairId);
    expect([second.status, second.counts.created, second.counts.deleted, second.counts.read]).toEqual(['succeeded', 0, 0, 0]);
  });

  it('clears thousands of flags in chunks, each record only on the version read', async () => {
    dir = tempDir('concord-sqlite-flag-');
    const path = join(dir, 'app.sqlite');
    createApp(path);
    appExec(path, (d) => {
      const insert = d.prepare('INSERT INTO contacts (email, name) VALUES (?, ?)');
      d.transaction(() => {
        for (let i = 0; i < 4500; i++) insert.run(`p${i}@x`, `P${i}`);
      })();
    });
    const c = createSqliteTableConnector({ path });
    const read = await collect(c, 'contacts', null, 'flag', 1000);
    expect(read.ids).toHaveLength(4500);
    appUpdate(path, 4321, { name: 'Edited in the third chunk' });
    await c.clearFlags?.('contacts', read.upserts.map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) })));
    expect((await collect(c, 'contacts', read.cursor, 'flag')).ids).toEqual(['4321']);
    await c.close();
  });
});
