/**
 * Integers beyond 2^53 (Snowflake-style ids, large counters) are read and written exactly: a JS
 * number would round 1234567890123456789 and …790 to the same id, merge two records into one
 * and point later writes at a row that does not exist.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { appQuery, appSql, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

const ID_A = '1234567890123456789';
const ID_B = '1234567890123456790';
const BIG = '9007199254740993'; // 2^53 + 1: the nearest JS number is 2^53

const SCHEMA = 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)';

type Row = { id: string; email: string; name: string; score: string | null; t: string };

/** Reads with exact integers, as text, so the assertion itself cannot round. */
const rows = (path: string): Row[] => appQuery<Row>(path, 'SELECT CAST(id AS TEXT) AS id, email, name, CAST(score AS TEXT) AS score, typeof(score) AS t FROM contacts ORDER BY email');

describe('sqlite-table integers beyond 2^53', () => {
  let dir: string;
  let kit: Kit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('reads ids and values exactly, and writes decimal strings into INTEGER columns as exact integers', async () => {
    dir = tempDir('concord-sqlite-bigint-');
    const path = join(dir, 'app.sqlite');
    appSql(path, `${SCHEMA}; INSERT INTO contacts VALUES (${ID_A}, 'a@x', 'A', ${BIG}), (${ID_B}, 'b@x', 'B', 7)`);
    const c = createSqliteTableConnector({ path });
    const read = await collect(c, 'contacts', null, 'hash');
    expect(read.upserts.map((r) => [r.id, r.fields.id, r.fields.score])).toEqual([
      [ID_A, ID_A, BIG],
      [ID_B, ID_B, 7],
    ]);
    expect((await c.read('contacts', [ID_B])).map((r) => r.fields.name)).toEqual(['B']);

    const [u] = await c.write('contacts', [{ op: 'update', id: ID_B, fields: { score: '9007199254740995' } }]);
    expect(u).toMatchObject({ ok: true, id: ID_B });
    const [n] = await c.write('contacts', [{ op: 'create', key: 'k', fields: { id: '1234567890123456791', email: 'c@x', name: 'C', score: BIG } }]);
    expect(n).toMatchObject({ ok: true, id: '1234567890123456791' });
    expect(rows(path)).toEqual([
      { id: ID_A, email: 'a@x', name: 'A', score: BIG, t: 'integer' },
      { id: ID_B, email: 'b@x', name: 'B', score: '9007199254740995', t: 'integer' },
      { id: '1234567890123456791', email: 'c@x', name: 'C', score: BIG, t: 'integer' },
    ]);
    await c.close();
  });

  it('cursor mode resumes after a row whose id is beyond 2^53', async () => {
    dir = tempDir('concord-sqlite-bigint-');
    const path = join(dir, 'app.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT)');
    db.exec(`INSERT INTO t VALUES (${ID_A}, 'a', '2024-05-01T10:00:00.000Z'), (${ID_B}, 'b', '2024-05-01T10:00:00.000Z')`);
    const c = createSqliteTableConnector({ path });
    const first = await collect(c, 't', null, 'cursor', 1, 0);
    expect(first.ids).toEqual([ID_A, ID_B]);
    // The stored cursor survives a JSON round trip (it is persisted) and still resumes exactly.
    const cursor = JSON.parse(JSON.stringify(first.batches[0]?.cursor)) as typeof first.cursor;
    expect((await collect(c, 't', cursor, 'cursor', 10, 0)).ids).toEqual([ID_A, ID_B]);
    db.exec(`INSERT INTO t VALUES (1234567890123456791, 'c', '2024-05-01T10:00:00.000Z')`);
    db.close();
    const again = JSON.parse(JSON.stringify(first.cursor)) as typeof first.cursor;
    expect((await collect(c, 't', again, 'cursor', 10, 0)).ids).toEqual([ID_B, '1234567890123456791']);
    await c.close();
  });

  it('two records with Snowflake ids both sync, later edits propagate both ways to the right rows, and a rerun writes nothing', async () => {
    dir = tempDir('concord-sqlite-bigint-');
    const { left, right, pairId } = await twoApps();
    const first = await syncAndWait(ensureKit(), pairId);
    expect([first.status, first.error, first.counts.created, first.counts.failed]).toEqual(['succeeded', null, 2, 0]);
    expect(rows(right).map((r) => [r.email, r.name])).toEqual([
      ['a@x', 'A'],
      ['b@x', 'B'],
    ]);

    // An edit in the other app is written back to the row with the big id (not to a rounded one).
    appSql(right, "UPDATE contacts SET name = 'Bea' WHERE email = 'b@x'");
    appSql(left, `UPDATE contacts SET name = 'Ada' WHERE id = ${ID_A}`);
    const second = await syncAndWait(ensureKit(), pairId);
    expect([second.status, second.error, second.counts.updated, second.counts.failed]).toEqual(['succeeded', null, 2, 0]);
    expect(rows(left).map((r) => [r.id, r.name, r.score])).toEqual([
      [ID_A, 'Ada', BIG],
      [ID_B, 'Bea', '1'],
    ]);
    expect(rows(right).map((r) => r.name)).toEqual(['Ada', 'Bea']);

    const third = await syncAndWait(ensureKit(), pairId);
    expect([third.status, third.counts.created + third.counts.updated + third.counts.deleted, third.counts.failed]).toEqual(['succeeded', 0, 0]);
  });

  // The connector reads and writes the score exactly (first test above); the engine's canonical
  // number form keeps it exact too (as decimal text), so it arrives unrounded.
  it('a score beyond 2^53 arrives in the other app exactly', async () => {
    dir = tempDir('concord-sqlite-bigint-');
    const { right, pairId } = await twoApps();
    expect((await syncAndWait(ensureKit(), pairId)).counts.created).toBe(2);
    expect(rows(right).map((r) => r.score)).toEqual([BIG, '1']);
  });

  /** Two apps with the Snowflake-id table, two records on the left, and a hash pair between them. */
  async function twoApps(): Promise<{ left: string; right: string; pairId: string }> {
    const apps = await sqlAppsPair(dir, { left: `${SCHEMA}; INSERT INTO contacts VALUES (${ID_A}, 'a@x', 'A', ${BIG}), (${ID_B}, 'b@x', 'B', 1)`, right: SCHEMA });
    kit = apps.kit;
    return apps;
  }

  function ensureKit(): Kit {
    if (!kit) throw new Error('no engine started');
    return kit;
  }
});
