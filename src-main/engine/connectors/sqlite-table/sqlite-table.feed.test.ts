/**
 * Issue 12 §2: the SQLite table's change feed. Another program's commit to the database file — in
 * rollback-journal or WAL mode, or a backup restored over it — signals the database's tables; the
 * connector's own writes and cleared flags, made on its own connection, signal nothing. Waits are
 * on the feed's verdicts (a test seam), never on the clock.
 */
import Database from 'better-sqlite3';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, until } from '../../sync/test-kit.fixture';
import type { Verdict } from '../file-watch';
import type { Connector } from '../types';
import { createSqliteTableConnector } from './connector';

const SCHEMA = `CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT, needs_sync INTEGER NOT NULL DEFAULT 1);
  CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
  INSERT INTO contacts (id, name) VALUES ('1', 'Ann'), ('2', 'Bob')`;

const exec = (path: string, sql: string) => {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
};

describe('sqlite-table change feed', () => {
  let dir = '';
  let stop: AbortController | null = null;
  let done: Promise<void> = Promise.resolve();
  let connector: Connector | null = null;
  afterEach(async () => {
    stop?.abort();
    await done;
    await connector?.close();
    connector = null;
    removeDir(dir);
  });

  async function listening(wal = false) {
    dir = tempDir('concord-sqlite-feed-');
    const path = join(dir, 'app.sqlite');
    exec(path, `${wal ? 'PRAGMA journal_mode = WAL;' : ''}${SCHEMA}`);
    const verdicts: Verdict[] = [];
    const signals: string[] = [];
    const states: string[] = [];
    const c = createSqliteTableConnector({ path }, { judged: (v) => verdicts.push(v) });
    connector = c;
    stop = new AbortController();
    done = c.listen?.((e) => signals.push(`${e.collection}#${e.seq}`), stop.signal, { onState: (s) => states.push(s) }) ?? Promise.resolve();
    await until(() => states.includes('listening'));
    return { path, connector: c, verdicts, signals };
  }

  it("another program's commit signals every table of the database (data_version says that, not where)", async () => {
    const f = await listening();
    exec(f.path, `UPDATE contacts SET name = 'Annie' WHERE id = '1'`);
    await until(() => f.signals.length >= 2);
    expect(f.signals.sort()).toEqual(['contacts#1', 'notes#1']);
  });

  it("a commit in WAL mode (written to the -wal file, not the database) signals", async () => {
    const f = await listening(true);
    const other = new Database(f.path);
    try {
      other.prepare(`INSERT INTO contacts (id, name) VALUES ('3', 'Cy')`).run();
    } finally {
      other.close();
    }
    await until(() => f.signals.length >= 1);
    expect(f.signals).toContain('contacts#1');
  });

  it("the connector's own writes and cleared flags are on its own connection: the feed looks and signals nothing", async () => {
    const f = await listening(true);
    const results = await f.connector.write('contacts', [{ op: 'update', id: '1', fields: { name: 'Ann B.' } }]);
    expect(results).toMatchObject([{ ok: true }]);
    await until(() => f.verdicts.length >= 1);
    await f.connector.clearFlags?.('contacts', [{ id: '2' }]); // Bob's flag is raised (Concord's own write of Ann's left hers down)
    await until(() => f.verdicts.length >= 2);
    expect(f.verdicts).toEqual(['same', 'same']);
    expect(f.signals).toEqual([]);
    // And a commit by someone else after them still signals.
    exec(f.path, `UPDATE contacts SET name = 'Ann C.' WHERE id = '1'`);
    await until(() => f.signals.length >= 1);
  });

  it('a backup restored over the database file (a new inode) signals', async () => {
    const f = await listening();
    exec(join(dir, 'backup.sqlite'), `${SCHEMA}; UPDATE contacts SET name = 'Restored'`);
    renameSync(join(dir, 'backup.sqlite'), f.path);
    await until(() => f.signals.length >= 1);
    expect((await f.connector.read('contacts', ['1']))[0]?.fields.name).toBe('Restored');
  });
});
