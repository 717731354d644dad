/**
 * Identity under reused ids (issue 9 §7): a plain `INTEGER PRIMARY KEY` table gives a deleted
 * row's id to the next row inserted, and a table rebuilt from an export gives everyone new ids.
 * A record read under a linked id whose identity (its match key) changed wholesale is another
 * record, not an edit: the linked one is gone, the new one is new.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appQuery, appSql, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

const SCHEMA = 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)';
type Row = { id: number; email: string; name: string; score: number | null };
const rows = (path: string) => appQuery<Row>(path, 'SELECT id, email, name, score FROM contacts ORDER BY email');
const people = (path: string) => rows(path).map((r) => `${r.email}:${r.name}:${r.score}`);

describe('reused ids', () => {
  let dir = '';
  let kit: Kit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function pair(propagate: boolean) {
    dir = tempDir('concord-identity-');
    const s = await sqlAppsPair(dir, { left: SCHEMA, right: SCHEMA }, (c) => ({ ...c, deletes: { propagate, massDeleteThreshold: 1 } }));
    kit = s.kit;
    appSql(s.left, "INSERT INTO contacts (email, name, score) VALUES ('ann@x', 'Ann', 1), ('bob@x', 'Bob', 2), ('dan@x', 'Dan', 4)");
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    expect(people(s.right)).toEqual(people(s.left));
    return s;
  }

  it.each([true, false])('the right app deletes Bob and Carol gets his row id: Bob is never overwritten into Carol (deletes propagated: %s)', async (propagate) => {
    const s = await pair(propagate);
    const bobId = rows(s.right).find((r) => r.email === 'bob@x')?.id;
    appSql(s.right, "DELETE FROM contacts WHERE email = 'dan@x'; DELETE FROM contacts WHERE email = 'bob@x'; INSERT INTO contacts (id, email, name, score) VALUES (" + bobId + ", 'carol@x', 'Carol', 3)");
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    // Carol is new on the left; Bob and Dan are deleted there only when deletes propagate.
    expect(people(s.left)).toEqual(propagate ? ['ann@x:Ann:1', 'carol@x:Carol:3'] : ['ann@x:Ann:1', 'bob@x:Bob:2', 'carol@x:Carol:3', 'dan@x:Dan:4']);
    expect(people(s.right)).toEqual(['ann@x:Ann:1', 'carol@x:Carol:3']);
    const quiet = await syncAndWait(s.kit, s.pairId);
    expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
    // Carol's record goes on syncing under the reused id.
    appSql(s.right, `UPDATE contacts SET name = 'Caroline' WHERE id = ${bobId}`);
    await syncAndWait(s.kit, s.pairId);
    expect(rows(s.left).find((r) => r.email === 'carol@x')?.name).toBe('Caroline');
  });

  it('a table rebuilt with new ids keeps every person\'s values with that person', async () => {
    const s = await pair(true);
    // Re-imported in another order: Dan, Bob, Ann get ids 1, 2, 3.
    appSql(s.right, "DELETE FROM contacts; INSERT INTO contacts (id, email, name, score) VALUES (1, 'dan@x', 'Dan', 4), (2, 'bob@x', 'Bob', 2), (3, 'ann@x', 'Ann', 1)");
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.counts.created + run.counts.updated + run.counts.deleted).toBe(0);
    expect(people(s.left)).toEqual(['ann@x:Ann:1', 'bob@x:Bob:2', 'dan@x:Dan:4']);
    expect(people(s.right)).toEqual(people(s.left));
    // Each is linked to its own row now: an edit of Ann on the right reaches Ann on the left.
    appSql(s.right, "UPDATE contacts SET score = 10 WHERE email = 'ann@x'");
    await syncAndWait(s.kit, s.pairId);
    expect(people(s.left)).toEqual(['ann@x:Ann:10', 'bob@x:Bob:2', 'dan@x:Dan:4']);
  });
});
