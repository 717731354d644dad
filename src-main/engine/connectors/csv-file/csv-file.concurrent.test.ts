// A CSV file saved by another program while Concord writes it (issue 9: an edit saved during
// Concord's serialize/fsync/rename was lost; the change check ran before all of that).
import { openSync, closeSync, writeSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'csv-parse/sync';
import { FileChanged, identityOf, replaceFile } from './atomic-write';
import { startBusyWriter } from './busy-writer.fixture';
import { createCsvFileConnector } from './connector';

const rowsOf = (path: string) => parse(readFileSync(path), { columns: true }) as Record<string, string>[];

describe('csv-file: a save during Concord\'s write', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-race-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a real writer appending and editing in place in a tight loop loses nothing, and neither does Concord', async () => {
    const path = join(dir, 'people.csv');
    const lines = ['id,email,name,score', ...Array.from({ length: 2000 }, (_, i) => `p${i},p${i}@example.com,P ${i},${i}`)];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    const writer = startBusyWriter(path, { prefix: 'w', paceMs: 1, editEvery: 50 });
    const written = new Map<string, string>();
    let done: Awaited<ReturnType<typeof writer.stop>> | null = null;
    try {
      // On a loaded machine the writer's process can take longer to start than Concord's 15
      // writes take to finish: they must overlap its appends, or this proves nothing.
      await vi.waitFor(() => expect(readFileSync(path, 'latin1'), 'the busy writer has not appended its first row yet').toContain('\nw0,'), { timeout: 20_000, interval: 20 });
      for (let i = 0; i < 15; i++) {
        const ids = [0, 1, 2, 3].map((k) => `p${i * 4 + k}`);
        const versions = new Map((await c.read('people.csv', ids)).map((r) => [r.id, r.version]));
        const results = await c.write('people.csv', ids.map((id) => ({ op: 'update' as const, id, fields: { name: `Concord ${id}` }, ifVersion: versions.get(id) ?? '' })));
        results.forEach((r, k) => {
          expect(r.ok || r.reason === 'stale', JSON.stringify(r)).toBe(true);
          if (r.ok) written.set(ids[k] ?? '', `Concord ${ids[k]}`);
        });
      }
    } finally {
      done = await writer.stop();
    }
    const rows = new Map(rowsOf(path).map((r) => [r.id, r]));
    // Nothing the other program wrote is gone…
    expect(done.appended.length).toBeGreaterThan(0);
    for (const id of done.appended) expect(rows.has(id), `appended row ${id}`).toBe(true);
    for (const id of done.edited) expect(rows.get(id)?.name, `edited row ${id}`).toMatch(/^X /);
    // …and nothing Concord reported written is either.
    expect(written.size).toBeGreaterThan(0);
    for (const [id, name] of written) expect(rows.get(id)?.name).toBe(name);
    expect(rows.size).toBe(2000 + done.appended.length);
  });

  it('an edit written into the file in the instant between the last check and the rename is put back, and the write reported as not done', () => {
    const path = join(dir, 'people.csv');
    const before = Buffer.from('id,name\n1,Ann\n2,Bob\n');
    writeFileSync(path, before);
    const edit = () => {
      const fd = openSync(path, 'r+');
      writeSync(fd, 'E', before.indexOf('Bob')); // Bob → Eob, in place
      closeSync(fd);
    };
    expect(() => replaceFile(path, Buffer.from('id,name\n1,Anna\n2,Bob\n'), identityOf(before), { beforeRename: edit })).toThrow(FileChanged);
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Ann\n2,Eob\n');
  });

  it('rows appended in that instant are kept after Concord\'s content, and the write stands', () => {
    const path = join(dir, 'people.csv');
    const before = Buffer.from('id,name\n1,Ann\n');
    writeFileSync(path, before);
    replaceFile(path, Buffer.from('id,name\n1,Anna\n'), identityOf(before), { beforeRename: () => appendFileSync(path, '2,Bob\n') });
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Anna\n2,Bob\n');
  });

  it('rows appended before the last check are carried into the new file; any other change refuses the write', () => {
    const path = join(dir, 'people.csv');
    const before = Buffer.from('id,name\n1,Ann\n');
    writeFileSync(path, before);
    appendFileSync(path, '2,Bob\n');
    replaceFile(path, Buffer.from('id,name\n1,Anna\n'), identityOf(before));
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Anna\n2,Bob\n');
    const now = readFileSync(path);
    writeFileSync(path, 'id,name\n1,Annie\n2,Bob\n');
    expect(() => replaceFile(path, Buffer.from('id,name\n1,A\n2,Bob\n'), identityOf(now))).toThrow(FileChanged);
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Annie\n2,Bob\n');
  });
});
