/**
 * The raw limit: the reads and writes a sync of the bench's apps needs, done directly with
 * better-sqlite3 and no sync logic, so Concord's time can be shown as a ratio of it. Its links
 * live in their own database file, one row per record, as Concord's state does. Each run writes
 * in one transaction per file (the cheapest way SQLite allows). What each run does is described
 * for readers in markdown.ts (RAW_RUNS); keep the two in step.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { appFiles } from './population';

type Row = { id: number; email: string | null; first_name: string; last_name: string; phone: string | null; credits: number; updated_at: string };
export type RawFigures = { read: number; writes: number };

const FIELDS = ['first_name', 'last_name', 'phone', 'credits'] as const;
const differs = (a: Row, b: Row) => FIELDS.some((f) => a[f] !== b[f]);
const key = (email: string | null) => (email === null ? null : email.trim().toLowerCase());
const nowStamp = () => new Date().toISOString();
const INSERT = 'INSERT INTO contacts (email, first_name, last_name, phone, credits, updated_at) VALUES (?, ?, ?, ?, ?, ?)';
const UPDATE = 'UPDATE contacts SET first_name = ?, last_name = ?, phone = ?, credits = ?, updated_at = ? WHERE id = ?';

export class RawLimit {
  private readonly left: Database.Database;
  private readonly right: Database.Database;
  private readonly links: Database.Database;

  constructor(private readonly dir: string) {
    const files = appFiles(dir);
    this.left = new Database(files.left);
    this.right = new Database(files.right);
    this.links = new Database(join(dir, 'raw-links.sqlite'));
    this.links.exec(`CREATE TABLE IF NOT EXISTS links (left_id INTEGER NOT NULL UNIQUE, right_id INTEGER NOT NULL UNIQUE, synced_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS cursors (side TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  close(): void {
    for (const db of [this.left, this.right, this.links]) db.close();
  }

  /** One transaction over the three files; each commits in turn (the raw limit needs no cross-file atomicity). */
  private inTransaction<T>(body: () => T): T {
    const dbs = [this.left, this.right, this.links];
    for (const db of dbs) db.exec('BEGIN');
    try {
      const out = body();
      for (const db of dbs) db.exec('COMMIT');
      return out;
    } catch (e) {
      for (const db of dbs) if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Our own writes are stamped `now`, at or before the cursor, so the next run does not read them back. */
  private saveCursors(left: string, right: string): void {
    const put = this.links.prepare('INSERT INTO cursors VALUES (?, ?) ON CONFLICT (side) DO UPDATE SET value = excluded.value');
    put.run('left', left);
    put.run('right', right);
  }

  private cursor(side: 'left' | 'right'): string {
    return String(this.links.prepare('SELECT value FROM cursors WHERE side = ?').pluck().get(side) ?? '');
  }

  firstSync(): RawFigures {
    return this.inTransaction(() => {
      let read = 0;
      let writes = 0;
      let maxLeft = '';
      let maxRight = '';
      const stamp = nowStamp();
      const leftByKey = new Map<string, Row>();
      for (const row of this.left.prepare('SELECT * FROM contacts').iterate() as IterableIterator<Row>) {
        read++;
        if (row.updated_at > maxLeft) maxLeft = row.updated_at;
        const k = key(row.email);
        if (k !== null) leftByKey.set(k, row);
      }
      const link = this.links.prepare('INSERT INTO links (left_id, right_id, synced_at) VALUES (?, ?, ?)');
      const insertLeft = this.left.prepare(INSERT);
      const insertRight = this.right.prepare(INSERT);
      const updateRight = this.right.prepare(UPDATE);
      // The right's rows are updated after its read ends: one connection cannot write while it iterates.
      const rightUpdates: Row[] = [];
      for (const row of this.right.prepare('SELECT * FROM contacts').iterate() as IterableIterator<Row>) {
        read++;
        if (row.updated_at > maxRight) maxRight = row.updated_at;
        const k = key(row.email);
        const match = k === null ? undefined : leftByKey.get(k);
        if (match) {
          leftByKey.delete(k ?? '');
          link.run(match.id, row.id, stamp);
          if (differs(match, row)) rightUpdates.push({ ...match, id: row.id });
        } else {
          const created = insertLeft.run(row.email, row.first_name, row.last_name, row.phone, row.credits, stamp);
          link.run(created.lastInsertRowid, row.id, stamp);
          writes++;
        }
      }
      for (const u of rightUpdates) updateRight.run(u.first_name, u.last_name, u.phone, u.credits, stamp, u.id);
      writes += rightUpdates.length;
      for (const row of leftByKey.values()) {
        const created = insertRight.run(row.email, row.first_name, row.last_name, row.phone, row.credits, stamp);
        link.run(row.id, created.lastInsertRowid, stamp);
        writes++;
      }
      this.saveCursors(maxLeft > stamp ? maxLeft : stamp, maxRight > stamp ? maxRight : stamp);
      return { read, writes };
    });
  }

  /** Incremental and no-op: the rows changed since the cursors, written across through their links; the left wins where both changed. */
  incremental(): RawFigures {
    return this.inTransaction(() => {
      const since = 'SELECT * FROM contacts WHERE updated_at > ?';
      const changedLeft = this.left.prepare(since).all(this.cursor('left')) as Row[];
      const changedRight = this.right.prepare(since).all(this.cursor('right')) as Row[];
      const stamp = nowStamp();
      const rightOf = this.links.prepare('SELECT right_id FROM links WHERE left_id = ?').pluck();
      const leftOf = this.links.prepare('SELECT left_id FROM links WHERE right_id = ?').pluck();
      const touch = this.links.prepare('UPDATE links SET synced_at = ? WHERE left_id = ?');
      const link = this.links.prepare('INSERT INTO links (left_id, right_id, synced_at) VALUES (?, ?, ?)');
      const updateLeft = this.left.prepare(UPDATE);
      const updateRight = this.right.prepare(UPDATE);
      const insertLeft = this.left.prepare(INSERT);
      const insertRight = this.right.prepare(INSERT);
      let writes = 0;
      const writtenRight = new Set<number>();
      for (const row of changedLeft) {
        const rightId = rightOf.get(row.id) as number | undefined;
        if (rightId === undefined) {
          const created = insertRight.run(row.email, row.first_name, row.last_name, row.phone, row.credits, stamp);
          link.run(row.id, created.lastInsertRowid, stamp);
        } else {
          updateRight.run(row.first_name, row.last_name, row.phone, row.credits, stamp, rightId);
          touch.run(stamp, row.id);
          writtenRight.add(rightId);
        }
        writes++;
      }
      for (const row of changedRight) {
        if (writtenRight.has(row.id)) continue;
        const leftId = leftOf.get(row.id) as number | undefined;
        if (leftId === undefined) {
          const created = insertLeft.run(row.email, row.first_name, row.last_name, row.phone, row.credits, stamp);
          link.run(created.lastInsertRowid, row.id, stamp);
        } else {
          updateLeft.run(row.first_name, row.last_name, row.phone, row.credits, stamp, leftId);
          touch.run(stamp, leftId);
        }
        writes++;
      }
      const latest = (rows: Row[], cursor: string) => rows.reduce((m, r) => (r.updated_at > m ? r.updated_at : m), writes > 0 && stamp > cursor ? stamp : cursor);
      this.saveCursors(latest(changedLeft, this.cursor('left')), latest(changedRight, this.cursor('right')));
      return { read: changedLeft.length + changedRight.length, writes };
    });
  }

  /** Full resync: every link joined with both apps' rows, the mapped fields compared; nothing differs after the runs before. */
  fullResync(): RawFigures {
    const files = appFiles(this.dir);
    const db = new Database(join(this.dir, 'raw-links.sqlite'), { readonly: true });
    try {
      db.prepare('ATTACH ? AS l').run(files.left);
      db.prepare('ATTACH ? AS r').run(files.right);
      const rows = db.prepare(`SELECT a.first_name AS af, a.last_name AS al, a.phone AS ap, a.credits AS ac, b.first_name AS bf, b.last_name AS bl, b.phone AS bp, b.credits AS bc
        FROM links k JOIN l.contacts a ON a.id = k.left_id JOIN r.contacts b ON b.id = k.right_id`);
      let read = 0;
      let differing = 0;
      for (const x of rows.iterate() as IterableIterator<Record<string, unknown>>) {
        read += 2;
        if (x.af !== x.bf || x.al !== x.bl || x.ap !== x.bp || x.ac !== x.bc) differing++;
      }
      if (differing > 0) throw new Error(`the raw full resync found ${differing} linked records that differ`);
      return { read, writes: 0 };
    } finally {
      db.close();
    }
  }
}
