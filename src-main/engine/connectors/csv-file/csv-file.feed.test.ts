/**
 * Issue 12 §2: the CSV file's change feed. A spreadsheet saves by writing a temp file and renaming
 * it over the original (LibreOffice, Excel), or by truncating and writing: either is one signal
 * per save (the events of a save are gathered), while Concord's own writes, and saves that change
 * nothing, signal nothing. Waits are on the feed's verdicts (a test seam), never on the clock.
 */
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, until } from '../../sync/test-kit.fixture';
import type { Verdict } from '../file-watch';
import type { Connector } from '../types';
import { createCsvFileConnector } from './connector';

const CSV = 'id,name\n1,Ann\n2,Bob\n';

describe('csv-file change feed', () => {
  let dir = '';
  let stop: AbortController | null = null;
  let done: Promise<void> = Promise.resolve();
  afterEach(async () => {
    stop?.abort();
    await done;
    removeDir(dir);
  });

  /** A connector on a fresh file, listening: its signals and the feed's verdicts so far. */
  async function listening(csv = CSV) {
    dir = tempDir('concord-csv-feed-');
    const path = join(dir, 'people.csv');
    writeFileSync(path, csv);
    const verdicts: Verdict[] = [];
    const signals: string[] = [];
    const states: string[] = [];
    const connector: Connector = createCsvFileConnector({ path, idColumn: 'id' }, { judged: (v) => verdicts.push(v) });
    stop = new AbortController();
    done = connector.listen?.((e) => signals.push(`${e.collection}#${e.seq}`), stop.signal, { onState: (s) => states.push(s) }) ?? Promise.resolve();
    await until(() => states.includes('listening'));
    return { path, connector, verdicts, signals, states };
  }

  it("a spreadsheet's save (a temp file renamed over the original) is one signal for the file's collection", async () => {
    const f = await listening();
    const tmp = join(dir, '.~lock-and-temp.csv#');
    writeFileSync(tmp, 'id,name\n1,Ann\n2,Robert\n');
    renameSync(tmp, f.path);
    await until(() => f.verdicts.length >= 1);
    expect(f.signals).toEqual(['people.csv#1']);
    expect(f.verdicts).toEqual(['changed']);
  });

  it('a save by truncate and several writes is gathered into one burst and signals once', async () => {
    const f = await listening();
    const fd = openSync(f.path, 'w'); // truncates
    try {
      for (const line of ['id,name\n', '1,Ann\n', '2,Bob\n', '3,Cy\n']) {
        writeSync(fd, line);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      closeSync(fd);
    }
    await until(() => f.signals.length >= 1);
    // Not one signal per event: the four writes and the truncate are one save.
    await until(() => f.verdicts.length >= 1);
    expect(f.signals.length).toBe(f.verdicts.filter((v) => v === 'changed').length);
    expect(f.signals.length).toBeLessThan(5);
  });

  it("Concord's own write into the file is an echo: the feed looks and signals nothing", async () => {
    const f = await listening();
    const results = await f.connector.write('people.csv', [{ op: 'update', id: '2', fields: { name: 'Bobby' } }]);
    expect(results).toMatchObject([{ ok: true }]);
    await until(() => f.verdicts.length >= 1);
    expect(f.verdicts).toEqual(['same']);
    expect(f.signals).toEqual([]);
  });

  it('a save that Concord\'s write read and kept before the feed looked still signals (it was never seen)', async () => {
    const f = await listening();
    // Another program saves, and Concord writes at once (in the same turn, before the feed's burst
    // is judged): the write re-reads the file, so the file now holds both.
    writeFileSync(f.path, 'id,name\n1,Annie\n2,Bob\n');
    await f.connector.write('people.csv', [{ op: 'update', id: '2', fields: { name: 'Bobby' } }]);
    await until(() => f.verdicts.length >= 1);
    expect(f.signals.length).toBe(1);
  });

  it('a save that changes nothing (the same bytes written again) signals nothing; a deleted file is not a change until it is back', async () => {
    const f = await listening();
    writeFileSync(f.path, CSV);
    await until(() => f.verdicts.length >= 1);
    expect(f.verdicts).toEqual(['same']);
    rmSync(f.path);
    writeFileSync(f.path, 'id,name\n1,Ann\n');
    await until(() => f.signals.length >= 1);
    expect(f.signals).toEqual(['people.csv#1']);
  });

  it('a folder that is gone is "reconnecting", and the feed listens again once it is back', async () => {
    dir = tempDir('concord-csv-feed-');
    const folder = join(dir, 'sheets');
    const path = join(folder, 'people.csv');
    const states: string[] = [];
    const connector = createCsvFileConnector({ path, idColumn: 'id' });
    stop = new AbortController();
    done = connector.listen?.(() => {}, stop.signal, { onState: (s) => states.push(s), retryMs: 20 }) ?? Promise.resolve();
    await until(() => states.includes('reconnecting'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeFileSync(path, CSV);
    await until(() => states.includes('listening'));
  });
});
