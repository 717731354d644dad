/**
 * A last-modified column written as local time without a zone (an app in UTC-5 writing
 * `YYYY-MM-DD HH:MM:SS`): Concord's own writes keep its format and never move the table's
 * cursor ahead of the app's clock, and "newest wins" does not pretend such a time is UTC.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { PairConfig } from '../../api/model';
import { appExec, appSql, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

/** The app's clock: local time in UTC-5, no zone. */
const LOCAL_NOW = `strftime('%Y-%m-%d %H:%M:%S', 'now', '-5 hours')`;
const ZONELESS = `CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, updated_at TEXT NOT NULL DEFAULT (${LOCAL_NOW}))`;
const ZONED = `CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`;

const column = (path: string, sql: string): unknown[] => appExec(path, (d) => d.prepare(sql).pluck().all());

describe('sqlite-table zoneless local timestamps', () => {
  let dir: string;
  let kit: Kit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function pair(leftSchema: string, rightSchema: string, over: Partial<PairConfig> = {}, cursor = false) {
    const apps = await sqlAppsPair(dir, { left: `${leftSchema}; INSERT INTO contacts (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')`, right: rightSchema }, (c) => {
      const config = { ...c, ...over };
      return cursor ? { ...config, left: { ...config.left, changeDetection: 'cursor' }, right: { ...config.right, changeDetection: 'cursor' } } : config;
    });
    kit = apps.kit;
    return apps;
  }

  it("the app's own edits are still read by the next incremental run after Concord wrote into its zoneless table, and the column keeps one format", async () => {
    dir = tempDir('concord-sqlite-zones-');
    const { left, right, pairId, kit: k } = await pair(ZONELESS, ZONELESS, {}, true);
    expect((await syncAndWait(k, pairId)).counts.created).toBe(2);
    // The other app edits one record and adds one: Concord updates and creates in the left app.
    appSql(right, `UPDATE contacts SET name = 'Ada', updated_at = ${LOCAL_NOW} WHERE email = 'a@x'`);
    appSql(right, "INSERT INTO contacts (email, name) VALUES ('c@x', 'C')");
    const second = await syncAndWait(k, pairId);
    expect([second.counts.created, second.counts.updated]).toEqual([1, 1]);
    expect(column(left, 'SELECT name FROM contacts ORDER BY email')).toEqual(['Ada', 'B', 'C']);
    // A run that reads Concord's own writes back (echoes, skipped) must not move the cursor past the app's clock.
    expect((await syncAndWait(k, pairId)).counts.updated).toBe(0);

    appSql(left, `UPDATE contacts SET name = 'Bob', updated_at = ${LOCAL_NOW} WHERE email = 'b@x'`);
    const fourth = await syncAndWait(k, pairId);
    expect([fourth.status, fourth.counts.updated]).toEqual(['succeeded', 1]);
    expect(column(right, "SELECT name FROM contacts WHERE email = 'b@x'")).toEqual(['Bob']);
    for (const p of [left, right]) {
      for (const v of column(p, 'SELECT updated_at FROM contacts')) expect(v, p).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
  });

  it('newest wins falls back to the master side when one app writes zoneless local times, and the activity says why', async () => {
    dir = tempDir('concord-sqlite-zones-');
    // Left (master) is the UTC-5 app; right writes UTC with a 'Z'.
    const { left, right, pairId, kit: k } = await pair(ZONELESS, ZONED, { conflictPolicy: 'newest' });
    expect((await syncAndWait(k, pairId)).counts.created).toBe(2);
    // The right app edits first (a minute ago), the left app later (now, in its local time).
    appSql(right, `UPDATE contacts SET name = 'Right', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds') WHERE email = 'a@x'`);
    appSql(left, `UPDATE contacts SET name = 'Left', updated_at = ${LOCAL_NOW} WHERE email = 'a@x'`);
    const run = await syncAndWait(k, pairId);
    expect([run.status, run.counts.updated]).toEqual(['succeeded', 1]);
    expect(column(right, "SELECT name FROM contacts WHERE email = 'a@x'")).toEqual(['Left']);
    expect(column(left, "SELECT name FROM contacts WHERE email = 'a@x'")).toEqual(['Left']);
    const activity = await k.call('activity/list', { pairId });
    const overwrite = activity.find((a) => a.action === 'updated' && a.field === 'name');
    expect([overwrite?.side, overwrite?.before, overwrite?.after]).toEqual(['right', 'Right', 'Left']);
    expect(overwrite?.reason).toMatch(/master when timestamps are not comparable/);
  });
});

describe('sqlite-table last-modified formats', () => {
  let dir: string;
  afterEach(() => removeDir(dir));

  it('reports a zoneless time without a zone, and a zoned or epoch time in UTC', async () => {
    dir = tempDir('concord-sqlite-zones-');
    const path = join(dir, 'app.sqlite');
    appSql(path, 'CREATE TABLE t (id INTEGER PRIMARY KEY, updated_at)');
    appSql(path, "INSERT INTO t VALUES (1, '2024-05-01 10:00:00'), (2, '2024-05-01T10:00:00+02:00'), (3, 1714557600), (4, '2024-05-01T10:00:00.5Z')");
    const c = createSqliteTableConnector({ path });
    const r = await collect(c, 't', null, 'hash');
    expect(r.upserts.map((u) => u.updatedAt)).toEqual(['2024-05-01T10:00:00.000', '2024-05-01T08:00:00.000Z', '2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.500Z']);
    await c.close();
  });

  it("Concord's writes stamp updated_at in the column's own format: ISO with Z, with an offset, epoch seconds, epoch ms; a zoneless column is left to the app", async () => {
    dir = tempDir('concord-sqlite-zones-');
    const path = join(dir, 'app.sqlite');
    const tables: [string, string, RegExp][] = [
      ['z', "'2024-05-01T10:00:00Z'", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/],
      ['o', "'2024-05-01 10:00:00.000+02:00'", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/],
      ['s', '1714557600', /^\d{10}$/],
      ['ms', '1714557600000', /^\d{13}$/],
      ['n', "'2024-05-01 10:00:00'", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/],
    ];
    for (const [name, value] of tables) {
      appSql(path, `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT, updated_at); INSERT INTO ${name} VALUES (1, 'a', ${value})`);
    }
    const c = createSqliteTableConnector({ path });
    for (const [name, value, shape] of tables) {
      const [u, n] = await c.write(name, [{ op: 'update', id: '1', fields: { v: 'b' } }, { op: 'create', key: 'k', fields: { v: 'c' } }]);
      expect([name, u?.ok, n?.ok]).toEqual([name, true, true]);
      const [updated, created] = column(path, `SELECT CAST(updated_at AS TEXT) FROM ${name} ORDER BY id`);
      if (name === 'n') expect(updated, name).toBe('2024-05-01 10:00:00');
      else expect([name, updated]).not.toEqual([name, value.replaceAll("'", '')]);
      for (const v of [updated, created]) expect(v, name).toMatch(shape);
    }
    await c.close();
  });
});
