/**
 * Issue 9 §3 — Concord's own writes cost nothing on the next run. A cursor side's next read leaves
 * out the records Concord wrote that still sort at the stamp its write returned, instead of reading
 * a first sync's writes back in full (750k records at 1M per side). An edit the app makes to such a
 * record moves its stamp and is read (PITFALLS 6); where stamps are whole seconds, an app could edit
 * within the second Concord wrote, so there nothing is left out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../engine';
import { contentByEmail, createContactsApp, createContactsPair, mutateApp, people, runAndWait, seedContacts, updateContacts } from '../testing/sqlite-apps';

describe("Concord's own writes on the next cursor read", () => {
  let dir: string;
  let left: string;
  let right: string;
  let engine: Engine;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-own-writes-'));
    left = join(dir, 'left.sqlite');
    right = join(dir, 'right.sqlite');
    createContactsApp(left);
    createContactsApp(right);
    engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests() });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are not read back: the run after a first sync reads only what the apps changed since', async () => {
    // Seeded with stamps in 2024 (outside any look-back); Concord's writes are stamped now, with milliseconds.
    seedContacts(left, people(0, 60));
    seedContacts(right, people(40, 100, (p) => ({ ...p, phone: 'right phone' })));
    const pairId = await createContactsPair(engine, left, right);
    const first = await runAndWait(engine, pairId);
    expect(first.status).toBe('succeeded');
    expect(first.counts.created).toBe(80);
    expect(first.counts.updated).toBe(20);

    const second = await runAndWait(engine, pairId);
    expect(second.status).toBe('succeeded');
    // Before: all 100 records Concord wrote came back (read: 102), each compared with its base and
    // skipped. Now only the seeded row at each cursor's own stamp, which a cursor read always re-reads.
    expect(second.counts.read).toBeLessThanOrEqual(2);

    // The app edits two records Concord created and one it updated: each is read, and synced.
    updateContacts(right, 'email IN (?, ?, ?)', { first_name: 'Edited' }, ['person1@example.com', 'person2@example.com', 'person45@example.com']);
    const third = await runAndWait(engine, pairId);
    expect(third.status).toBe('succeeded');
    expect(third.counts.read).toBe(3);
    expect(third.counts.updated).toBe(3);
    const l = contentByEmail(left);
    for (const n of [1, 2, 45]) expect(l.get(`person${n}@example.com`)?.first_name).toBe('Edited');
    // Concord's own three writes to the left are not read back; the app's three edits may be, while
    // they lie inside the look-back window (a few seconds before the last read began).
    const fourth = await runAndWait(engine, pairId);
    expect(fourth.counts.read).toBeLessThanOrEqual(3);
    expect(fourth.counts.updated + fourth.counts.created).toBe(0);
  });

  it('are read back where the app stamps whole seconds: an edit within that second would keep the stamp', async () => {
    seedContacts(left, people(0, 10));
    seedContacts(right, people(20, 30));
    // The apps' own times are whole seconds (`datetime('now')`'s form); Concord stamps its writes in that form too.
    for (const path of [left, right]) mutateApp(path, (db) => db.exec("UPDATE contacts SET updated_at = datetime(updated_at)"));
    const pairId = await createContactsPair(engine, left, right);
    expect((await runAndWait(engine, pairId)).counts.created).toBe(20);
    const second = await runAndWait(engine, pairId);
    expect(second.status).toBe('succeeded');
    expect(second.counts.read).toBeGreaterThanOrEqual(20);
    expect(second.counts.updated + second.counts.created).toBe(0);
  });
});
