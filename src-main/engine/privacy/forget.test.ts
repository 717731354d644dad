// Forget a person (issue 13 §3): given an email, Concord removes every value of theirs from its
// own state — link bases, journal, activity, conflicts, failed records, run errors — and keeps one
// activity entry that says a record was forgotten. Afterwards the bytes of the database file and
// of its WAL hold the email in no form (secure_delete, a truncated WAL).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appExec, appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from '../sync/test-kit.fixture';
import { DATABASE_FILE } from '../store/db';

const EMAIL = 'ann.target@example.com';
const idOf = (path: string, email: string) => appRows(path).find((r) => r.email?.toLowerCase() === email)?.id ?? 0;

/** The email in the bytes of the database file and its WAL, as UTF-8 or UTF-16, in any case. */
function bytesHolding(dataDir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dataDir, name));
    } catch {
      continue;
    }
    const lower = Buffer.from(bytes.toString('latin1').toLowerCase(), 'latin1');
    if (lower.includes(Buffer.from(needle)) || lower.includes(Buffer.from(needle, 'utf16le'))) found.push(name);
  }
  return found;
}

describe('privacy/forget', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('removes the person from links, journal, activity, conflicts, failed records and run errors, and from the file and WAL bytes', async () => {
    const s = await setupPair({ conflictPolicy: 'manual' });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'Ann.Target@Example.com', name: 'Ann Target', score: 1 });
    for (let i = 0; i < 30; i++) appInsert(s.left, { email: `other${i}@example.com`, name: `Other ${i}`, score: i });
    // Another record that mentions her (a field holding her email) is hers too, as far as her values go.
    appInsert(s.left, { email: 'boss@example.com', name: EMAIL, score: 99 });
    await syncAndWait(kit, s.pairId);
    // Her history: an edit, a conflict resolved, a conflict left open, a write the other app refused.
    appUpdate(s.left, idOf(s.left, EMAIL), { score: 2 });
    await syncAndWait(kit, s.pairId);
    appUpdate(s.left, idOf(s.left, EMAIL), { name: 'Ann L' });
    appUpdate(s.right, idOf(s.right, EMAIL), { name: 'Ann R' });
    await syncAndWait(kit, s.pairId);
    const [first] = (await kit.call('conflicts/list', { search: 'ann.target' })).items;
    await kit.call('conflicts/resolve', { conflictId: first?.id ?? '', resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    appUpdate(s.left, idOf(s.left, EMAIL), { name: 'Ann L2' });
    appUpdate(s.right, idOf(s.right, EMAIL), { name: 'Ann R2' });
    await syncAndWait(kit, s.pairId);
    appExec(s.right, (db) => db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON contacts WHEN NEW.score = 3 BEGIN SELECT RAISE(ABORT, 'score 3 refused'); END`));
    appUpdate(s.left, idOf(s.left, EMAIL), { score: 3 });
    await syncAndWait(kit, s.pairId);
    expect((await kit.call('failed/list', { pairId: s.pairId })).map((f) => f.record.toLowerCase())).toContain(EMAIL);
    // A run error naming her (the words an app's error might use).
    kit.db.prepare("UPDATE runs SET error = 'The app refused Ann.Target@Example.com: quota' WHERE rowid = (SELECT max(rowid) FROM runs)").run();
    expect(bytesHolding(kit.dataDir, EMAIL)).not.toEqual([]);

    const result = await kit.call('privacy/forget', { key: '  ANN.TARGET@example.com ' });
    expect(result).toMatchObject({ pairs: 1, links: 2, conflicts: 2, failed: 1, runErrors: 1, walCleared: true });
    expect(result.activity).toBeGreaterThan(3);

    // Nothing of hers in what the API shows…
    const shown = JSON.stringify([
      await kit.call('activity/list', { pairId: s.pairId, limit: 10_000 }),
      await kit.call('conflicts/list', { status: 'resolved' }),
      await kit.call('conflicts/list', {}),
      await kit.call('failed/list', { pairId: s.pairId }),
      await kit.call('runs/list', { pairId: s.pairId }),
      await kit.call('activity/export', { pairId: s.pairId }),
    ]).toLowerCase();
    expect(shown).not.toContain(EMAIL);
    // …one entry saying a record was forgotten, without what it held…
    const notes = (await kit.call('activity/list', { pairId: s.pairId })).filter((a) => a.action === 'forgotten');
    expect(notes).toEqual([expect.objectContaining({ record: '(forgotten record)', field: null, before: undefined, after: undefined, restorable: false })]);
    // …the other records untouched…
    expect(kit.db.prepare('SELECT count(*) FROM links').pluck().get()).toBe(30);
    // …and not a byte of her in the database file or its WAL.
    expect(bytesHolding(kit.dataDir, EMAIL)).toEqual([]);
  });

  it('says what to give when the key is too short, and forgets nothing on an unknown key', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(kit, s.pairId);
    expect(await kit.dispatch('privacy/forget', { key: ' a ' })).toMatchObject({ ok: false, error: { code: 'invalid-input', issues: [{ path: 'key' }] } });
    expect(await kit.call('privacy/forget', { key: 'nobody@example.com' })).toMatchObject({ pairs: 0, links: 0, activity: 0 });
    // "ann@example.com" is not forgotten by a key that merely contains it or is part of it.
    expect(await kit.call('privacy/forget', { key: 'n@example.com' })).toMatchObject({ links: 0, activity: 0 });
    expect(kit.db.prepare('SELECT count(*) FROM links').pluck().get()).toBe(1);
  });
});
