/**
 * The app's clock and zone (PITFALLS 5): the cursor never moves past the app's own "now", Concord
 * stamps its writes with the app's clock in the app's format and zone (the connection's
 * `timeZone`), and a row stamped in the future is reported without dragging the cursor along.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cursor } from '../types';
import { collect } from '../conformance';
import { appExec, appSql, basePairConfig, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';
import { sqliteTableDefinition } from '.';
import { checkConfig } from '../config-check';

const tsOf = (c: Cursor | null): string => String((c?.value as { ts?: unknown } | null)?.ts);
const column = (path: string, sql: string): unknown[] => appExec(path, (d) => d.prepare(sql).pluck().all());
/** Wall-clock text of `ms` in a fixed offset (hours east of UTC), as a local-time app writes it. */
const localText = (ms: number, hours: number): string => new Date(ms + hours * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('sqlite-table: the app clock and zone, on the connector', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir('concord-sqlite-clock-');
    path = join(dir, 'app.sqlite');
    db = new Database(path);
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('pitfall 5: a stored cursor already in the future (left by an older Concord) is read as no cursor, so nothing behind it is skipped', async () => {
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT); INSERT INTO t VALUES (1, 'a', '2024-05-01T10:00:00.000Z'), (2, 'b', '2024-05-01T11:00:00.000Z')");
    const c = createSqliteTableConnector({ path });
    const r = await collect(c, 't', { mode: 'cursor', value: { ts: '2099-01-01T00:00:00.000Z', key: [9] } }, 'cursor', 10, 5);
    expect(r.ids).toEqual(['1', '2']);
    expect(tsOf(r.cursor)).toBe('2024-05-01T11:00:00.000Z');
    await c.close();
  });

  it("pitfall 5: with the connection's time zone, Concord stamps creates and updates in the app's local time and format, and reports them in UTC", async () => {
    // An app in UTC-5 writing local wall-clock text, no DEFAULT: the app's code stamps its rows.
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT NOT NULL)');
    db.prepare('INSERT INTO t VALUES (1, ?, ?)').run('a', localText(Date.now() - 60_000, -5));
    const c = createSqliteTableConnector({ path, timeZone: 'Etc/GMT+5' });
    const before = Date.now();
    const [u, n] = await c.write('t', [{ op: 'update', id: '1', fields: { v: 'b' } }, { op: 'create', key: 'k', fields: { v: 'c' } }]);
    const after = Date.now();
    expect([u?.ok, n?.ok]).toEqual([true, true]);
    for (const v of column(path, 'SELECT updated_at FROM t ORDER BY id')) {
      expect(v).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(String(v) >= localText(before - 1000, -5) && String(v) <= localText(after + 1000, -5), String(v)).toBe(true);
    }
    // Reported as the instant it is: within the write's second, in UTC.
    for (const r of [u, n]) {
      const at = Date.parse(r?.ok ? (r.updatedAt ?? '') : '');
      expect(r?.ok && r.updatedAt).toMatch(/Z$/);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(after + 1000);
    }
    await c.close();
  });

  it('pitfall 5: a zoneless column with no zone given: a create takes the newest time the app wrote, never UTC "now" ahead of the app', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT NOT NULL)');
    const latest = localText(Date.now() - 60_000, -5);
    db.prepare('INSERT INTO t VALUES (1, ?, ?), (2, ?, ?)').run('a', localText(Date.now() - 120_000, -5), 'b', latest);
    const c = createSqliteTableConnector({ path });
    const [n] = await c.write('t', [{ op: 'create', key: 'k', fields: { v: 'c' } }]);
    expect(n?.ok).toBe(true);
    expect(column(path, 'SELECT updated_at FROM t WHERE id = 3')).toEqual([latest]);
    await c.close();
  });

  it('an unknown time zone is refused with a message that says what to enter, by the config check and by the connector', async () => {
    const check = (config: Record<string, string>) => checkConfig(sqliteTableDefinition.configSchema, config);
    expect(check({ path, timeZone: 'Mars/Olympus' })).toEqual({ ok: false, issues: [{ path: 'config.timeZone', message: expect.stringMatching(/"Mars\/Olympus" is not a known IANA time zone name — use one such as Europe\/Berlin/) }] });
    expect(check({ path, timeZone: 'America/New_York' })).toMatchObject({ ok: true });
    expect(check({ path, timeZone: '' })).toMatchObject({ ok: true, config: { path } });
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const c = createSqliteTableConnector({ path, timeZone: 'Mars/Olympus' });
    await expect(c.test()).rejects.toThrow(/not a known IANA time zone/);
    await c.close();
  });
});

const FLAGGED = 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, needs_sync INTEGER NOT NULL DEFAULT 1)';

describe('sqlite-table: the app clock and zone, through the engine', () => {
  let dir: string;
  let kit: Kit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  /**
   * A left app in cursor mode and a right app in flag mode (which reads only what the app flagged,
   * so no re-read on the right brings the left record along by its link), made by their SQL.
   */
  async function cursorPair(sql: { left: string; right: string }, config: { left?: Record<string, string>; right?: Record<string, string> } = {}) {
    dir = tempDir('concord-sqlite-clock-');
    const left = join(dir, 'left.sqlite');
    const right = join(dir, 'right.sqlite');
    appSql(left, sql.left);
    appSql(right, sql.right);
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left, ...config.left } });
    const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right, ...config.right } });
    const base = basePairConfig(l.id, r.id);
    const { id: pairId } = await kit.call('pairs/create', { config: { ...base, left: { ...base.left, changeDetection: 'cursor' }, right: { ...base.right, changeDetection: 'flag' } } });
    return { left, right, pairId, kit };
  }

  it("pitfall 5: an app whose clock is 10 minutes behind: Concord's writes use its clock, so its next edit is still read", async () => {
    const behind = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 minutes')`;
    const table = `CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, updated_at TEXT NOT NULL DEFAULT (${behind}))`;
    const { left, right, pairId, kit: k } = await cursorPair({ left: `${table}; INSERT INTO contacts (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')`, right: FLAGGED });
    expect((await syncAndWait(k, pairId)).counts.created).toBe(2);
    appSql(right, `UPDATE contacts SET name = 'Ada', needs_sync = 1 WHERE email = 'a@x'`);
    expect((await syncAndWait(k, pairId)).counts.updated).toBe(1);
    // Concord's own write comes back as an echo and must not carry the cursor past the app's clock.
    expect((await syncAndWait(k, pairId)).counts.updated).toBe(0);
    appSql(left, `UPDATE contacts SET name = 'Bob', updated_at = ${behind} WHERE email = 'b@x'`);
    const run = await syncAndWait(k, pairId);
    expect([run.status, run.counts.updated]).toEqual(['succeeded', 1]);
    expect(column(right, "SELECT name FROM contacts WHERE email = 'b@x'")).toEqual(['Bob']);
  });

  it('pitfall 5: an app that keeps local time (UTC-5) without a DEFAULT: a record Concord creates there is stamped in local time, and the app\'s next edit is still read', async () => {
    const table = 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, updated_at TEXT NOT NULL)';
    const local = `strftime('%Y-%m-%d %H:%M:%S', 'now', '-5 hours')`;
    const { left, right, pairId, kit: k } = await cursorPair(
      { left: `${table}; INSERT INTO contacts (email, name, updated_at) VALUES ('a@x', 'A', ${local})`, right: `${FLAGGED}; INSERT INTO contacts (email, name) VALUES ('b@x', 'B')` },
      { left: { timeZone: 'Etc/GMT+5' } },
    );
    expect((await syncAndWait(k, pairId)).counts.created).toBe(2);
    const stamped = String(column(left, "SELECT updated_at FROM contacts WHERE email = 'b@x'")[0]);
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(Math.abs(Date.parse(`${stamped.replace(' ', 'T')}Z`) - (Date.now() - 5 * 3_600_000))).toBeLessThan(120_000);
    expect((await syncAndWait(k, pairId)).counts.updated).toBe(0);
    appSql(left, `UPDATE contacts SET name = 'Ann', updated_at = ${local} WHERE email = 'a@x'`);
    const run = await syncAndWait(k, pairId);
    expect([run.status, run.counts.updated]).toEqual(['succeeded', 1]);
    expect(column(right, "SELECT name FROM contacts WHERE email = 'a@x'")).toEqual(['Ann']);
  });
});
