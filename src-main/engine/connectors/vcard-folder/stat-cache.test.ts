import { lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { createVcardFolderConnector } from './connector';
import { FINE_RACY_MARGIN_MS, isRacy, openStatCache, RACY_MARGIN_MS, STAT_CACHE_FILE, type FileStamp } from './stat-cache';

let dir: string;
let folder: string;
let dataDir: string;
const card = (uid: string, fn: string, extra: string[] = []) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, `N:${fn};;;;`, ...extra, 'END:VCARD', ''].join('\r\n');
const cachePath = () => join(dataDir, STAT_CACHE_FILE);
/** The cache file: its header (JSON) and its rows (tab-separated: name, size, mtimeNs, ctimeNs, ino, readAtMs, version, fields). */
type CacheFile = { header: Record<string, unknown>; rows: string[][] };
const readCache = (): CacheFile => {
  const [head = '', ...lines] = readFileSync(cachePath(), 'utf8').split('\n').slice(0, -1);
  return { header: JSON.parse(head) as Record<string, unknown>, rows: lines.map((l) => l.split('\t')) };
};
const writeCache = (c: CacheFile) => writeFileSync(cachePath(), `${[JSON.stringify(c.header), ...c.rows.map((r) => r.join('\t'))].join('\n')}\n`);
/** A fresh connector each time: what a new `concord sync` process sees (the cache read from disk). */
const scan = async (path = folder) => {
  const connector = createVcardFolderConnector({ path }, { dataDir });
  try {
    const s = await collect(connector, 'contacts', null, 'hash');
    return Object.fromEntries(s.upserts.map((r) => [r.id, r]));
  } finally {
    await connector.close();
  }
};
/** Writes a contact file stamped a minute ago: old enough for its cache entry to be trusted. */
const writeOld = (name: string, text: string) => {
  writeFileSync(join(folder, `${name}.vcf`), text);
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(folder, `${name}.vcf`), past, past);
};
/**
 * Gives the cache entry of `name` another version (as if the cache had read other content): a scan
 * that answers that version trusted the entry and did not read the file. `_label` names the case.
 */
const forgeFields = (name: string, _label: string) => {
  const c = readCache();
  const row = c.rows.find((r) => r[0] === name);
  if (!row) throw new Error(`no cache row for ${name}`);
  row[6] = 'forged-version';
  writeCache(c);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-vcf-cache-'));
  folder = join(dir, 'contacts');
  dataDir = join(dir, 'data');
  mkdirSync(folder);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('vCard folder stat cache', () => {
  it('an unchanged file is not read again: its version comes from the cache, and the record equals a parse', async () => {
    writeOld('a', card('a', 'Ann', ['EMAIL;TYPE=INTERNET,WORK:ann@example.com', 'TEL;TYPE=CELL:+44 7700 900123', 'ADR;TYPE=WORK:;;1 High St;London;;SW1A 1AA;UK', 'CATEGORIES:A,B', 'BDAY:1985-04-12', 'NOTE:x\\, y']));
    const first = await scan();
    expect(readCache().rows.map((r) => r[0])).toEqual(['a']);
    // No parse on the second scan, and the same record a parse gives.
    const again = await scan();
    expect(again).toEqual(first);
    forgeFields('a', 'From the cache');
    expect((await scan()).a?.version).toBe('forged-version');
  });

  it('a file rewritten since, with the same size, is read again', async () => {
    writeOld('a', card('a', 'Ann'));
    await scan();
    forgeFields('a', 'From the cache');
    writeFileSync(join(folder, 'a.vcf'), card('a', 'Bob'));
    expect((await scan()).a).toMatchObject({ fields: { name: 'Bob' } });
  });

  it('racy git: an entry whose stat matches but whose mtime is not older than its read (less the margin) is read again', async () => {
    writeFileSync(join(folder, 'a.vcf'), card('a', 'Ann'));
    await scan();
    // The file's stat is exactly the cached one: only the racy rule tells that a same-size save in
    // the read's own tick could hide behind it.
    const st = lstatSync(join(folder, 'a.vcf'), { bigint: true });
    expect(readCache().rows[0]?.slice(1, 5)).toEqual([String(st.size), String(st.mtimeNs), String(st.ctimeNs), String(st.ino)]);
    forgeFields('a', 'From the cache');
    expect((await scan()).a?.fields.name).toBe('Ann');
    // Read again, its read time moved past the mtime (by more than the margin, here forged): trusted from then on.
    const c = readCache();
    const row = c.rows[0] ?? [];
    row[5] = String(Number(st.mtimeMs) + RACY_MARGIN_MS + 1);
    writeCache(c);
    forgeFields('a', 'From the cache');
    expect((await scan()).a?.version).toBe('forged-version');
  });

  it('the racy rule, at the tick: an mtime within the margin before the read is racy; one older is not', () => {
    const t = 1_780_000_000_000;
    const at = (mtimeMs: number) => ({ mtimeNs: String(BigInt(mtimeMs) * 1_000_000n) });
    expect(isRacy({ ...at(t), readAtMs: t })).toBe(true);
    expect(isRacy({ ...at(t + 5), readAtMs: t })).toBe(true);
    expect(isRacy({ ...at(t - RACY_MARGIN_MS), readAtMs: t })).toBe(true);
    expect(isRacy({ ...at(t - RACY_MARGIN_MS - 1), readAtMs: t })).toBe(false);
    expect(isRacy({ mtimeNs: 'garbage', readAtMs: t })).toBe(true);
    // Stamps with a fraction of a second (a file system with fine timestamps): the margin is 100 ms.
    const fine = (ms: number) => ({ mtimeNs: String(BigInt(ms) * 1_000_000n + 123n) });
    expect(FINE_RACY_MARGIN_MS).toBe(100);
    expect(isRacy({ ...fine(t - FINE_RACY_MARGIN_MS), readAtMs: t })).toBe(true);
    expect(isRacy({ ...fine(t - FINE_RACY_MARGIN_MS - 1), readAtMs: t })).toBe(false);
    expect(isRacy({ ...fine(t - 500), readAtMs: t })).toBe(false);
    expect(isRacy({ ...at(t - 1000), readAtMs: t })).toBe(true); // a whole second: 2 s
    // Same stat, racy: never served; an old one is, while every part of its stat is the same.
    const stamp = (mtimeMs: number): FileStamp => ({ size: 10n, mtimeNs: BigInt(mtimeMs) * 1_000_000n, ctimeNs: 5n, ino: 7n });
    const cache = openStatCache(dataDir, folder);
    cache.set('a', stamp(t), t, 'v', '{}');
    expect(cache.fresh('a', stamp(t))).toBeNull();
    cache.set('b', stamp(t - 10_000), t, 'v', '{}');
    expect(cache.fresh('b', stamp(t - 10_000))).toMatchObject({ version: 'v' });
    for (const changed of [{ size: 11n }, { ctimeNs: 6n }, { ino: 8n }, { mtimeNs: BigInt(t - 10_000) * 1_000_000n + 1n }]) expect(cache.fresh('b', { ...stamp(t - 10_000), ...changed })).toBeNull();
  });

  it.each([
    ['missing', () => rmSync(cachePath())],
    ['corrupt (garbage)', () => writeFileSync(cachePath(), '{"header": {"format": 1, "rows": [')],
    ['torn (cut mid-line)', () => writeFileSync(cachePath(), readFileSync(cachePath()).subarray(0, -20))],
    ['corrupt (a bad row)', () => writeCache({ ...readCache(), rows: [...readCache().rows, ['b', 'not a size']] })],
    ['corrupt (a row whose read time is not a number)', () => writeCache({ ...readCache(), rows: readCache().rows.map((r) => r.map((x, i) => (i === 5 ? 'soon' : x))) })],
    ['from another folder', () => writeCache({ ...readCache(), header: { ...readCache().header, folder: join(dir, 'elsewhere') } })],
    ['from another app version', () => writeCache({ ...readCache(), header: { ...readCache().header, app: '0.0.0-old' } })],
    [
      'for a folder since replaced at the same path',
      () => {
        renameSync(folder, join(dir, 'old'));
        mkdirSync(folder);
        renameSync(join(dir, 'old', 'a.vcf'), join(folder, 'a.vcf'));
      },
    ],
  ])('a cache %s is rebuilt, never trusted', async (_what, spoil) => {
    writeOld('a', card('a', 'Ann'));
    await scan();
    forgeFields('a', 'From the cache');
    spoil();
    expect((await scan()).a?.fields.name).toBe('Ann');
    // Rebuilt: trusted again from the next scan on.
    expect(readCache().rows.map((r) => r[0])).toEqual(['a']);
    forgeFields('a', 'From the cache');
    expect((await scan()).a?.version).toBe('forged-version');
  });

  it('a file whose name holds a tab or a line break is read every time and leaves the rest of the cache trusted', async () => {
    writeOld('a', card('a', 'Ann'));
    writeOld('odd\tname', card('odd', 'Odd'));
    expect(Object.keys(await scan()).sort()).toEqual(['a', 'odd\tname']);
    expect(readCache().rows.map((r) => r[0])).toEqual(['a']);
    forgeFields('a', 'From the cache');
    expect((await scan()).a?.version).toBe('forged-version');
  });

  it('files Concord writes are cached, and trusted once read back after the racy margin; one saved over meanwhile is not', async () => {
    writeOld('a', card('a', 'Ann'));
    const connector = createVcardFolderConnector({ path: folder }, { dataDir });
    await collect(connector, 'contacts', null, 'hash');
    const results = await connector.write('contacts', [
      { op: 'create', key: 'k1', fields: { id: 'new1', name: 'New One' } },
      { op: 'create', key: 'k2', fields: { id: 'new2', name: 'New Two' } },
      { op: 'update', id: 'a', fields: { name: 'Ann B' } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    // Another program saves new2 right after Concord (same size); then time passes (the stamps are moved back).
    const text2 = readFileSync(join(folder, 'new2.vcf'), 'utf8');
    writeFileSync(join(folder, 'new2.vcf'), text2.replace('New Two', 'New Tw0'));
    const past = new Date(Date.now() - 60_000);
    for (const n of ['new1', 'new2', 'a']) utimesSync(join(folder, `${n}.vcf`), past, past);
    await connector.close();
    expect(readCache().rows.map((r) => r[0]).sort()).toEqual(['a', 'new1']);
    forgeFields('new1', 'From the cache');
    forgeFields('a', 'From the cache too');
    const after = await scan();
    expect([after.new1?.version, after.a?.version, after.new2?.fields.name]).toEqual(['forged-version', 'forged-version', 'New Tw0']);
  });

  it('a file Concord wrote is not trusted before the racy margin has passed: the next scan reads it', async () => {
    const connector = createVcardFolderConnector({ path: folder }, { dataDir });
    await connector.write('contacts', [{ op: 'create', key: 'k1', fields: { id: 'new1', name: 'New One' } }]);
    // Saved over at once, in the same tick and size as Concord's own write could be.
    const text = readFileSync(join(folder, 'new1.vcf'), 'utf8');
    writeFileSync(join(folder, 'new1.vcf'), text.replace('New One', 'New 0ne'));
    await connector.close();
    expect((await scan()).new1?.fields.name).toBe('New 0ne');
  });

  it('a file gone from the folder leaves the cache; one back under the same name is read', async () => {
    writeOld('a', card('a', 'Ann'));
    writeOld('b', card('b', 'Bea'));
    await scan();
    rmSync(join(folder, 'b.vcf'));
    expect(Object.keys(await scan())).toEqual(['a']);
    expect(readCache().rows.map((r) => r[0])).toEqual(['a']);
    writeOld('b', card('b', 'Bea again'));
    expect((await scan()).b?.fields.name).toBe('Bea again');
  });

  it('Concord’s own update is seen by the next scan, and a broken file still fails it with its name', async () => {
    writeOld('a', card('a', 'Ann'));
    const connector = createVcardFolderConnector({ path: folder }, { dataDir });
    await collect(connector, 'contacts', null, 'hash');
    const [res] = await connector.write('contacts', [{ op: 'update', id: 'a', fields: { name: 'Ann B' } }]);
    expect(res?.ok).toBe(true);
    const after = await collect(connector, 'contacts', null, 'hash');
    expect(after.upserts[0]).toMatchObject({ fields: { name: 'Ann B' }, version: res?.ok ? res.version : '' });
    await connector.close();
    writeFileSync(join(folder, 'a.vcf'), 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:cut off');
    await expect(scan()).rejects.toThrow(/a\.vcf is not a readable vCard/);
  });
});

describe('a record from the stat cache', () => {
  it('has its fields as an own property that spread, JSON, structuredClone and assignment all see', async () => {
    writeOld('a', card('a', 'Ann'));
    const parsed = (await scan()).a;
    const cached = (await scan()).a;
    if (!parsed || !cached) throw new Error('no record');
    expect(Object.keys(cached)).toEqual(['id', 'version', 'fields']);
    expect(JSON.parse(JSON.stringify(cached))).toEqual(JSON.parse(JSON.stringify(parsed)));
    expect(structuredClone(cached)).toEqual(parsed);
    expect({ ...cached }).toEqual(parsed);
    cached.fields = { id: 'a', name: 'Set' };
    expect(cached.fields.name).toBe('Set');
  });
});

describe('vCard folder stat cache and privacy', () => {
  it('keeps no contact data: stats and hashes only, so forgetting a person leaves no copy of their values in it', async () => {
    writeOld('a', card('a', 'Ann Secretname', ['EMAIL:ann.secret@example.com']));
    const first = await scan();
    expect(first.a?.fields).toMatchObject({ name: 'Ann Secretname', email: 'ann.secret@example.com' });
    const text = readFileSync(cachePath(), 'utf8');
    expect(text).not.toContain('Secretname');
    expect(text).not.toContain('ann.secret');
  });

  it('a file changed after the cache vouched for it, before its fields are read, fails the read instead of handing other content under the old version', async () => {
    writeOld('a', card('a', 'Ann'));
    await scan();
    const connector = createVcardFolderConnector({ path: folder }, { dataDir });
    try {
      const s = await collect(connector, 'contacts', null, 'hash');
      const rec = s.upserts.find((r) => r.id === 'a');
      if (!rec) throw new Error('no record');
      // The engine has the record (version from the cache) but has not read its fields yet.
      writeFileSync(join(folder, 'a.vcf'), card('a', 'Bob'));
      expect(() => rec.fields).toThrow(/changed while Concord was reading the folder/);
    } finally {
      await connector.close();
    }
  });
});
