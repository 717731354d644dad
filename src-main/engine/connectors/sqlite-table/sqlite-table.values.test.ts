/**
 * Values written are read back as written: a JS integer or boolean bound as a float would be
 * stored as '1.0' in a TEXT column, differ from the base on the next read and flip forever.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldMapping } from '../../api/model';
import { appQuery, appSql, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

describe('sqlite-table value binding', () => {
  let dir: string;
  let kit: Kit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('integers and booleans written into TEXT and untyped columns read back as "5" and "1", not "5.0"', async () => {
    dir = tempDir('concord-sqlite-values-');
    const path = join(dir, 'app.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c, d REAL, e TEXT)');
    db.close();
    const c = createSqliteTableConnector({ path });
    const [r] = await c.write('t', [{ op: 'create', key: 'k', fields: { a: 5, b: true, c: 7, d: 2, e: 2.5 } }]);
    expect(r?.ok).toBe(true);
    expect(appQuery(path, 'SELECT a, b, c, typeof(c) AS tc, d, typeof(d) AS td, e FROM t')).toEqual([{ a: '5', b: '1', c: 7, tc: 'integer', d: 2, td: 'real', e: '2.5' }]);
    await c.write('t', [{ op: 'update', id: '1', fields: { a: 6, b: false } }]);
    expect(appQuery(path, 'SELECT a, b FROM t')).toEqual([{ a: '6', b: '0' }]);
    await c.close();
  });

  it('a boolean and an integer synced from INTEGER columns into TEXT columns and back settle: later runs write nothing', async () => {
    dir = tempDir('concord-sqlite-values-');
    const field = (name: string, type: FieldMapping['type']): FieldMapping => ({ name, type, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' });
    const apps = await sqlAppsPair(
      dir,
      {
        left: "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, active INTEGER, qty INTEGER); INSERT INTO contacts (email, active, qty) VALUES ('a@x', 1, 5), ('b@x', 0, 12)",
        right: 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, active TEXT, qty TEXT)',
      },
      (c) => ({ ...c, fields: [field('email', 'string'), field('active', 'boolean'), field('qty', 'number')] }),
    );
    const { left, right, pairId } = apps;
    kit = apps.kit;

    expect((await syncAndWait(kit, pairId)).counts.created).toBe(2);
    expect(appQuery(right, 'SELECT email, active, qty FROM contacts ORDER BY email')).toEqual([
      { email: 'a@x', active: '1', qty: '5' },
      { email: 'b@x', active: '0', qty: '12' },
    ]);
    for (const run of [2, 3]) {
      const s = await syncAndWait(kit, pairId);
      expect([run, s.counts.created + s.counts.updated + s.counts.deleted]).toEqual([run, 0]);
    }

    // And back: the TEXT side's edit reaches the INTEGER side, then everything settles again.
    appSql(right, "UPDATE contacts SET active = '0', qty = '7' WHERE email = 'a@x'");
    expect((await syncAndWait(kit, pairId)).counts.updated).toBe(1);
    expect(appQuery(left, 'SELECT active, qty FROM contacts WHERE email = \'a@x\'')).toEqual([{ active: 0, qty: 7 }]);
    for (const run of [5, 6]) {
      const s = await syncAndWait(kit, pairId);
      expect([run, s.counts.created + s.counts.updated + s.counts.deleted]).toEqual([run, 0]);
    }
    expect(appQuery(right, 'SELECT active, qty FROM contacts WHERE email = \'a@x\'')).toEqual([{ active: '0', qty: '7' }]);
  });
});
