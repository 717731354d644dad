import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { ChangeBatch, Connector, Cursor } from '../types';
import type { CaptureReadOptions } from './capture-read';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

// A server of its own: one test halts it mid-run.
const { available, my } = useMy({ own: true });

const TABLE = [
  'CREATE TABLE contacts (id INT PRIMARY KEY, name VARCHAR(100), updated_at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6))',
  "INSERT INTO contacts (id, name) VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy')",
];

/** Everything of a database a user could have made: tables, columns, triggers, routines, events. */
async function catalog(db: string): Promise<string[]> {
  const rows = await my.server().sql<{ o: string }>(
    `SELECT CONCAT('table ', TABLE_NAME, ' ', TABLE_TYPE, ' ', IFNULL(TABLE_COMMENT, '')) AS o FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME, ' on ', EVENT_OBJECT_TABLE) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
     UNION ALL SELECT CONCAT('routine ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT CONCAT('event ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
     ORDER BY 1`,
    [db, db, db, db, db],
  );
  return rows.map((r) => r.o);
}

/** A connection of the app's own (APP_USER), for transactions the test holds open. */
async function appSession(db: string): Promise<mysql.Connection> {
  const s = my.server();
  return mysql.createConnection({ host: s.host, port: s.port, user: APP_USER, password: APP_PASSWORD, database: db, charset: 'utf8mb4' });
}

async function installed(c: Connector, collection = 'contacts') {
  const plan = await c.capture?.plan(collection);
  if (!plan) throw new Error('no capture');
  return c.capture?.install(collection, plan.installHash);
}

/** A capture read with options the connector passes through (`graceMs`: how long a missing number waits before a probe may drop it). */
async function read(c: Connector, cursor: Cursor | null, options: Partial<CaptureReadOptions> = {}) {
  const batches: ChangeBatch[] = [];
  const opts: CaptureReadOptions = { mode: 'capture', signal: new AbortController().signal, batchSize: 100, ...options };
  for await (const b of c.changes('contacts', cursor, opts)) batches.push(b);
  const upserts = batches.flatMap((b) => b.upserts);
  return { batches, upserts, ids: upserts.map((u) => u.id), deletes: batches.flatMap((b) => b.deletes), cursor: batches.at(-1)?.cursor ?? cursor };
}

const holesOf = (cursor: Cursor | null): unknown[] => ((cursor?.value as { holes?: unknown[] } | null)?.holes ?? []);

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 4000; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(available)('mysql connector: capture mode', () => {
  it('shows the exact SQL, installs it only against the hash of that SQL, and removal drops exactly what it added', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    const { collections } = await c.describe();
    expect(collections.find((x) => x.name === 'contacts')?.changeDetection).toContain('capture');
    const before = await catalog(db);

    const plan = await c.capture?.plan('contacts');
    expect(plan).toMatchObject({ installed: false, collection: 'contacts' });
    expect(plan?.installSql).toContain(`CREATE TABLE \`${db}\`.\`concord_changes_contacts\` (\n  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,`);
    expect(plan?.installSql).toContain(`DELIMITER //\nCREATE TRIGGER \`${db}\`.\`concord_ins_contacts\` AFTER INSERT ON \`${db}\`.\`contacts\` FOR EACH ROW`);
    expect(plan?.installSql).toContain(`IF NOT (CAST(OLD.\`id\` AS BINARY) <=> CAST(NEW.\`id\` AS BINARY)) THEN`);
    expect(plan?.installSql).toContain(
      `AFTER DELETE ON \`${db}\`.\`contacts\` FOR EACH ROW\nBEGIN\n  IF @concord_writer IS NULL THEN\n    INSERT INTO \`${db}\`.\`concord_changes_contacts\` (op, \`key\`) VALUES ('D', JSON_ARRAY(CAST(OLD.\`id\` AS CHAR)));\n  END IF;\nEND //\nDELIMITER ;`,
    );
    expect(plan?.removeSql).toBe(
      [`concord_ins_contacts`, `concord_upd_contacts`, `concord_del_contacts`].map((n) => `DROP TRIGGER IF EXISTS \`${db}\`.\`${n}\`;`).join('\n') + `\nDROP TABLE IF EXISTS \`${db}\`.\`concord_changes_contacts\`;`,
    );

    // A hash of other SQL (what another screen showed, or the table changed since): nothing runs.
    await expect(c.capture?.install('contacts', 'f'.repeat(64))).rejects.toThrow(/no longer the SQL you were shown.*nothing ran/);
    expect(await catalog(db)).toEqual(before);

    const done = await c.capture?.install('contacts', plan?.installHash ?? '');
    expect(done?.installed).toBe(true);
    const added = (await catalog(db)).filter((o) => !before.includes(o));
    expect(added).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^table concord_changes_contacts BASE TABLE Concord capture mode: changes to contacts \(not Concord's own writes\)\./),
        'trigger concord_del_contacts on contacts',
        'trigger concord_ins_contacts on contacts',
        'trigger concord_upd_contacts on contacts',
      ]),
    );
    // The change table is Concord's, not an app's collection.
    const after = await c.describe();
    expect(after.collections.map((x) => x.name)).toEqual(['contacts']);
    expect(after.leftOut?.[0]).toMatchObject({ name: 'concord_changes_contacts', reason: expect.stringContaining('capture') });

    const removed = await c.capture?.remove('contacts', done?.removeHash ?? '');
    expect(removed?.installed).toBe(false);
    expect(await catalog(db)).toEqual(before);
    await my.sql(db, `INSERT INTO contacts (id, name) VALUES (4, 'Di')`);
    expect(await my.sql(db, 'SELECT COUNT(*) AS n FROM contacts')).toEqual([{ n: '4' }]);
  });

  it('a table name too long for MySQL’s 64-character identifiers gets hashed, distinct object names', async () => {
    const long = `contacts_${'x'.repeat(50)}`;
    const db = await my.database([`CREATE TABLE ${long}_a (id INT PRIMARY KEY)`, `CREATE TABLE ${long}_b (id INT PRIMARY KEY)`]);
    const c = my.connector(db);
    for (const t of [`${long}_a`, `${long}_b`]) {
      const plan = await c.capture?.plan(t);
      await c.capture?.install(t, plan?.installHash ?? '');
    }
    const names = (await catalog(db)).filter((o) => /^(table|trigger) concord_/.test(o)).map((o) => /(concord_\w+)/.exec(o)?.[1] ?? '');
    expect(names).toHaveLength(8);
    expect(new Set(names).size).toBe(8);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(64);
    expect(names.some((n) => /^concord_changes_contacts_x+_[0-9a-f]{8}$/.test(n))).toBe(true);
    await my.sql(db, `INSERT INTO ${long}_b (id) VALUES (1)`);
    const r = await collect(c, `${long}_b`, (await collect(c, `${long}_b`, null, 'capture')).cursor, 'capture');
    expect(r.ids).toEqual([]); // the first read listed it; nothing since
  });

  it('a user without TRIGGER or CREATE/DROP is told the GRANT it needs; nothing is changed; a capture read before the install says how to install it', async () => {
    const name = await my.database(TABLE, { grant: false });
    await my.sql(name, `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${name}\`.* TO ?@?`, [APP_USER, '127.0.0.1']);
    const c = my.connector(name);
    const before = await catalog(name);
    const plan = await c.capture?.plan('contacts');
    const refused = c.capture?.install('contacts', plan?.installHash ?? '');
    await expect(refused).rejects.toThrow(`GRANT TRIGGER ON \`${name}\`.\`contacts\` TO '${APP_USER}'@'127.0.0.1';`);
    await expect(c.capture?.install('contacts', plan?.installHash ?? '')).rejects.toThrow(`GRANT CREATE, DROP ON \`${name}\`.* TO '${APP_USER}'@'127.0.0.1';`);
    await expect(c.capture?.install('contacts', plan?.installHash ?? '')).rejects.toThrow(/Nothing was changed\.$/);
    expect(await catalog(name)).toEqual(before);
    await expect(collect(c, 'contacts', null, 'capture')).rejects.toThrow(/Capture is not installed on table "contacts".*install it from the pair's settings/);
  });

  it('an install that stops midway (a trigger of that name on another table) says what exists; Remove drops only Concord’s objects', async () => {
    const db = await my.database([...TABLE, 'CREATE TABLE other (id INT PRIMARY KEY)', 'CREATE TABLE audit (n INT)', 'CREATE TRIGGER concord_del_contacts AFTER INSERT ON other FOR EACH ROW INSERT INTO audit VALUES (NEW.id)']);
    const c = my.connector(db);
    const before = await catalog(db);
    const plan = await c.capture?.plan('contacts');
    expect(plan?.installed).toBe(false);
    const failed = c.capture?.install('contacts', plan?.installHash ?? '');
    await expect(failed).rejects.toThrow(/only partly installed on "contacts".*exists already.*These exist now: the change table `[^`]+`\.`concord_changes_contacts`, the trigger `concord_ins_contacts`, the trigger `concord_upd_contacts` — Remove capture/);
    const half = await c.capture?.plan('contacts');
    expect(half?.installed).toBe(true);
    // Only what is Concord's and there: never the other table's trigger of the same name.
    expect(half?.removeSql).not.toContain('concord_del_contacts');
    await expect(collect(c, 'contacts', null, 'capture')).rejects.toThrow(/Capture is not installed on table "contacts" \(its trigger concord_del_contacts is missing\)/);
    const gone = await c.capture?.remove('contacts', half?.removeHash ?? '');
    expect(gone?.installed).toBe(false);
    expect(await catalog(db)).toEqual(before);
  });

  it('reads: a first read lists every row; then changed keys collapsed to their latest state, deletes and key changes reported, a quiet read empty, and the change table pruned', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    await installed(c);
    const first = await collect(c, 'contacts', null, 'capture', 2);
    expect(first.ids).toEqual(['1', '2', '3']);
    expect(first.batches.at(-1)?.complete).toBe(true);
    expect(first.batches.slice(0, -1).every((b) => b.cursor.value === null)).toBe(true);

    await my.sql(db, `UPDATE contacts SET name = 'Ann 2' WHERE id = 1`);
    await my.sql(db, `UPDATE contacts SET name = 'Ann 3' WHERE id = 1`);
    await my.sql(db, `DELETE FROM contacts WHERE id = 2`);
    await my.sql(db, `INSERT INTO contacts (id, name) VALUES (4, 'Di'), (5, 'Ed')`);
    await my.sql(db, `DELETE FROM contacts WHERE id = 5`);
    await my.sql(db, `UPDATE contacts SET id = 30 WHERE id = 3`);
    expect(await my.sql(db, 'SELECT op, `key` FROM concord_changes_contacts ORDER BY seq')).toEqual([
      { op: 'U', key: ['1'] },
      { op: 'U', key: ['1'] },
      { op: 'D', key: ['2'] },
      { op: 'I', key: ['4'] },
      { op: 'I', key: ['5'] },
      { op: 'D', key: ['5'] },
      { op: 'D', key: ['3'] },
      { op: 'U', key: ['30'] },
    ]);
    const next = await collect(c, 'contacts', first.cursor, 'capture', 2);
    expect(next.upserts.map((u) => [u.id, u.fields.name]).sort()).toEqual([['1', 'Ann 3'], ['30', 'Cy'], ['4', 'Di']]);
    expect(next.deletes.sort()).toEqual(['2', '3', '5']);
    expect(next.batches.every((b) => b.complete !== true)).toBe(true);

    const quiet = await collect(c, 'contacts', next.cursor, 'capture');
    expect([quiet.ids, quiet.deletes]).toEqual([[], []]);
    // What the stored cursor covers is pruned, but for the last row (a prune's scan ends on it, never on an app's in-flight row).
    expect(await my.sql(db, 'SELECT COUNT(*) AS n FROM concord_changes_contacts')).toEqual([{ n: '1' }]);
  });

  it('pages in number order: a page that spans sequence numbers of different lengths (9 → 10) skips none of them', async () => {
    const db = await my.database(['CREATE TABLE contacts (id INT PRIMARY KEY, name VARCHAR(100))', `INSERT INTO contacts (id, name) VALUES ${Array.from({ length: 60 }, (_, i) => `(${i + 1}, 'P${i + 1}')`).join(', ')}`]);
    const c = my.connector(db);
    await installed(c);
    const first = await read(c, null);
    // Sequence numbers 1..60, one per row. Ordered as text, a page of 50 would end at "54" and leave 6..9 behind it.
    await my.sql(db, `UPDATE contacts SET name = CONCAT(name, ' edited') ORDER BY id`);
    const next = await read(c, first.cursor, { batchSize: 50 });
    expect(next.ids.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(next.upserts.every((u) => String(u.fields.name).endsWith(' edited'))).toBe(true);
  });

  it('keys of every kind: a deleted row is reported with the same id a read gave it (compound, TIMESTAMP, binary, big unsigned, a change of case only)', async () => {
    const db = await my.database([
      'CREATE TABLE contacts (at TIMESTAMP(3) NOT NULL, code VARBINARY(8) NOT NULL, big BIGINT UNSIGNED NOT NULL, name VARCHAR(20) NOT NULL, v TEXT, PRIMARY KEY (at, code, big, name))',
    ]);
    const app = await appSession(db);
    try {
      // The app's session zone is not UTC: a TIMESTAMP key must still come back as the read gives it.
      await app.query("SET time_zone = '+05:30'");
      await app.query("INSERT INTO contacts VALUES ('2024-05-01 10:00:00.125', X'00ff10', 18446744073709551615, 'ann', 'x'), ('2024-05-01 10:00:01', X'01', 9007199254740993, 'Bob', 'y')");
      const c = my.connector(db);
      await installed(c);
      const first = await collect(c, 'contacts', null, 'capture');
      const ids = first.ids;
      expect(ids).toHaveLength(2);
      // Each id reads its row back (a TIMESTAMP key part is ISO UTC text, a binary one base64).
      expect((await c.read('contacts', ids)).map((r) => r.id)).toEqual(ids);
      await app.query('DELETE FROM contacts WHERE big = 9007199254740993');
      // A change of case only is a new key, whatever the collation says.
      await app.query("UPDATE contacts SET name = 'Ann' WHERE name = 'ann'");
      const next = await collect(c, 'contacts', first.cursor, 'capture');
      expect(next.deletes.sort()).toEqual([...ids].sort());
      expect(next.ids).toEqual([ids[0]?.replace('"ann"', '"Ann"')]);
    } finally {
      await app.end();
    }
  });

  it('sequence numbers that commit out of order (two real connections): a change committed after a later one was read is still read, and a rolled-back number is dropped', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    await installed(c);
    const a = await appSession(db);
    const b = await appSession(db);
    try {
      // A transaction running across the first read: its change must come in the read after it commits.
      await a.query('BEGIN');
      await a.query(`UPDATE contacts SET name = 'Ann (A)' WHERE id = 1`);
      // No grace: the probe alone must keep A's numbers, which A's locks show are in flight.
      const first = await read(c, null, { graceMs: 0 });
      expect(first.upserts.find((u) => u.id === '1')?.fields.name).toBe('Ann');
      // A takes a lower sequence number than B, and B commits first.
      await a.query(`UPDATE contacts SET name = 'Bob (A)' WHERE id = 2`);
      await b.query(`UPDATE contacts SET name = 'Cy (B)' WHERE id = 3`);
      expect(await my.sql(db, 'SELECT seq FROM concord_changes_contacts')).toEqual([{ seq: '3' }]);
      const mid = await read(c, first.cursor, { graceMs: 0 });
      expect(mid.ids).toEqual(['3']);
      expect(holesOf(mid.cursor)).toEqual([expect.objectContaining({ from: '1', to: '2' })]);
      // The prune of the next read must not wait for A (its scan would lock A's row): it runs while A is open.
      const stillOpen = await read(c, mid.cursor, { graceMs: 0 });
      expect(stillOpen.ids).toEqual([]);
      await a.query('COMMIT');
      const late = await read(c, stillOpen.cursor, { graceMs: 0 });
      expect(late.upserts.map((u) => [u.id, u.fields.name]).sort()).toEqual([['1', 'Ann (A)'], ['2', 'Bob (A)']]);
      expect(holesOf(late.cursor)).toEqual([]);
      const quiet = await read(c, late.cursor, { graceMs: 0 });
      expect(quiet.ids).toEqual([]);

      // A rolled-back change leaves a number that no row will ever hold: once probed empty and unlocked, it stops being a hole.
      await a.query('BEGIN');
      await a.query(`UPDATE contacts SET name = 'never' WHERE id = 1`);
      await b.query(`UPDATE contacts SET name = 'Cy (B2)' WHERE id = 3`);
      const held = await read(c, quiet.cursor, { graceMs: 0 });
      expect(held.ids).toEqual(['3']);
      expect(holesOf(held.cursor)).toHaveLength(1);
      await a.query('ROLLBACK');
      // Within its grace the hole stays (the moment between taking a number and writing the row).
      const young = await read(c, held.cursor, { graceMs: 3_600_000 });
      expect(holesOf(young.cursor)).toHaveLength(1);
      const dropped = await read(c, young.cursor, { graceMs: 0 });
      expect([dropped.ids, holesOf(dropped.cursor)]).toEqual([[], []]);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('the prune never waits for an app’s open transaction (its range scan stops on a row already read, not on the in-flight one after it)', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    await installed(c);
    await my.sql(db, `UPDATE contacts SET name = 'Ann 2' WHERE id = 1`);
    await my.sql(db, `UPDATE contacts SET name = 'Bob 2' WHERE id = 2`);
    const first = await read(c, null);
    const a = await appSession(db);
    try {
      await a.query('BEGIN');
      await a.query(`UPDATE contacts SET name = 'Cy (A)' WHERE id = 3`); // number 3, in flight
      await my.sql(db, `INSERT INTO contacts (id, name) VALUES (4, 'Di')`); // number 4, committed
      // Both reads prune below the hole at 3 while A holds it; a DELETE … WHERE seq <= 2 would wait for A.
      const mid = await read(c, first.cursor);
      expect(mid.ids).toEqual(['4']);
      const again = await read(c, mid.cursor);
      expect(again.ids).toEqual([]);
      expect(await my.sql(db, 'SELECT CAST(seq AS CHAR) AS s FROM concord_changes_contacts ORDER BY seq')).toEqual([{ s: '2' }, { s: '4' }]);
      await a.query('COMMIT');
      const late = await read(c, again.cursor);
      expect(late.upserts.map((u) => [u.id, u.fields.name])).toEqual([['3', 'Cy (A)']]);
    } finally {
      await a.end();
    }
  });

  it('Concord’s own writes are not recorded (no change row, so nothing for the feed or the next read), while the app’s writes to the same table are', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    await installed(c);
    const first = await collect(c, 'contacts', null, 'capture');
    const [bob] = await c.read('contacts', ['2']);
    const res = await c.write('contacts', [
      { op: 'create', key: 'k1', fields: { id: 10, name: 'Concord' } },
      { op: 'update', id: '1', fields: { name: 'Ann (Concord)' } },
      { op: 'update', id: '3', fields: { id: 30 } },
      { op: 'delete', id: '2', ifVersion: bob?.version ?? '' },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(await my.sql(db, 'SELECT op, `key` FROM concord_changes_contacts ORDER BY seq')).toEqual([]);
    // The app's session (its own connection) is recorded as before.
    await my.sql(db, `UPDATE contacts SET name = 'Di (app)' WHERE id = 10`);
    expect(await my.sql(db, 'SELECT op, `key` FROM concord_changes_contacts ORDER BY seq')).toEqual([{ op: 'U', key: ['10'] }]);
    const next = await collect(c, 'contacts', first.cursor, 'capture');
    expect([next.ids, next.deletes]).toEqual([['10'], []]);
  });

  it('capture removed and installed again: the next read lists every row, so changes made while it was away are not lost', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    const done = await installed(c);
    await my.sql(db, `UPDATE contacts SET name = 'Ann 2' WHERE id = 1`);
    const first = await collect(c, 'contacts', null, 'capture');
    await c.capture?.remove('contacts', done?.removeHash ?? '');
    await my.sql(db, `UPDATE contacts SET name = 'Bob, unrecorded' WHERE id = 2`);
    await installed(c);
    const next = await collect(c, 'contacts', first.cursor, 'capture');
    expect(next.ids).toEqual(['1', '2', '3']);
    expect(next.upserts.find((u) => u.id === '2')?.fields.name).toBe('Bob, unrecorded');
    expect(next.batches.at(-1)?.complete).toBe(true);
    // A listing from a cursor it could not resume: every batch says so, for the engine to find deletes by absence.
    expect(next.batches.every((b) => b.rescan === true)).toBe(true);
    expect(first.batches.some((b) => b.rescan)).toBe(false);
  });

  it('the polled feed: a commit in the app is signalled with the table and its newest sequence number, and again after the server comes back', async () => {
    const db = await my.database(TABLE);
    const c = my.connector(db);
    await installed(c);
    const events: { collection: string; seq: string }[] = [];
    const states: string[] = [];
    const ac = new AbortController();
    const feed = c.listen?.((e) => events.push(e), ac.signal, { onState: (s) => states.push(s), retryMs: 50, pollMs: 20 });
    try {
      await until('listening', () => (states.includes('listening') ? true : undefined));
      await my.sql(db, `INSERT INTO contacts (id, name) VALUES (7, 'Gus')`);
      const e = await until('the change', () => events[0]);
      const [row] = await my.sql<{ seq: string }>(db, 'SELECT CAST(MAX(seq) AS CHAR) AS seq FROM concord_changes_contacts');
      expect(e).toEqual({ collection: 'contacts', seq: row?.seq });

      await my.server().halt();
      await until('the feed to notice', () => (states.includes('reconnecting') ? true : undefined));
      await my.server().resume();
      await until('listening again', () => (states.filter((s) => s === 'listening').length >= 2 ? true : undefined));
      await my.sql(db, `DELETE FROM contacts WHERE id = 7`);
      await until('the second change', () => events.find((x) => x.seq !== e.seq));
    } finally {
      ac.abort();
      await feed;
    }
  });
});
