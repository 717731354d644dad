import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { Connector } from '../types';
import { createVcardFolderConnector } from './connector';

let dir: string;
let folder: string;
let connector: Connector;
const card = (uid: string, fn: string, extra: string[] = []) => ['BEGIN:VCARD', 'VERSION:4.0', `UID:${uid}`, `FN:${fn}`, ...extra, 'END:VCARD', ''].join('\r\n');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-vcf-'));
  folder = join(dir, 'contacts');
  mkdirSync(folder);
  connector = createVcardFolderConnector({ path: folder });
});
afterEach(async () => {
  await connector.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vCard folder connector', () => {
  it('reads only .vcf files (not temp files, not other files), with the file name as id', async () => {
    writeFileSync(join(folder, 'a.vcf'), card('a', 'Ann'));
    writeFileSync(join(folder, '.a.vcf.concord-1234.tmp'), 'half a card');
    writeFileSync(join(folder, 'notes.txt'), 'not a contact');
    mkdirSync(join(folder, 'sub.vcf'));
    const scan = await collect(connector, 'contacts', null, 'hash');
    expect(scan.ids).toEqual(['a']);
    expect(scan.upserts[0]?.fields).toMatchObject({ id: 'a', name: 'Ann' });
  });

  it('a file that is not a vCard fails the read with its name, and is never overwritten or deleted', async () => {
    writeFileSync(join(folder, 'good.vcf'), card('good', 'Good'));
    writeFileSync(join(folder, 'broken.vcf'), 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:cut off');
    await expect(collect(connector, 'contacts', null, 'hash')).rejects.toThrow(/broken\.vcf is not a readable vCard \(.*no END:VCARD.*\)\. Concord never deletes or overwrites it/);
    const results = await connector.write('contacts', [
      { op: 'update', id: 'broken', fields: { name: 'Fixed?' } },
      { op: 'delete', id: 'broken' },
      { op: 'update', id: 'good', fields: { name: 'Better' } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, false, true]);
    expect(results[0]).toMatchObject({ reason: 'invalid', error: expect.stringMatching(/broken\.vcf is not a readable vCard/) });
    expect(readFileSync(join(folder, 'broken.vcf'), 'utf8')).toBe('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:cut off');
  });

  it('a symbolic link in the folder is refused, not followed', async () => {
    const outside = join(dir, 'secret.vcf');
    writeFileSync(outside, card('s', 'Secret'));
    symlinkSync(outside, join(folder, 'link.vcf'));
    await expect(collect(connector, 'contacts', null, 'hash')).rejects.toThrow(/link\.vcf is a symbolic link/);
  });

  it('creates a file named by the UID made from the idempotency key; the same create again finds it; the card keeps unknown lines on update', async () => {
    const op = { op: 'create' as const, key: 'pair-1:left:42', fields: { name: 'New Person', emails: ['work:new@example.com'] } };
    const [first] = await connector.write('contacts', [op]);
    const [again] = await connector.write('contacts', [op]);
    expect(first).toMatchObject({ ok: true });
    expect(again).toEqual(first);
    const id = first?.ok ? first.id : '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(readdirSync(folder)).toEqual([`${id}.vcf`]);
    const text = readFileSync(join(folder, `${id}.vcf`), 'utf8');
    expect(text).toContain(`\r\nUID:${id}\r\n`);
    expect(text).toContain('\r\nEMAIL;TYPE=work:new@example.com\r\n');
    writeFileSync(join(folder, `${id}.vcf`), text.replace('END:VCARD', 'X-APP;X-P=1:kept\r\nEND:VCARD'));
    const [upd] = await connector.write('contacts', [{ op: 'update', id, fields: { title: 'Boss' } }]);
    expect(upd?.ok).toBe(true);
    expect(readFileSync(join(folder, `${id}.vcf`), 'utf8')).toContain('\r\nX-APP;X-P=1:kept\r\nTITLE:Boss\r\nEND:VCARD\r\n');
    // A different create that asks for a taken name fails instead of replacing the file.
    const [clash] = await connector.write('contacts', [{ op: 'create', key: 'other', fields: { id, name: 'Someone else' } }]);
    expect(clash).toMatchObject({ ok: false, reason: 'invalid' });
    expect(readFileSync(join(folder, `${id}.vcf`), 'utf8')).toContain('FN:New Person');
  });

  it('a batch of creates (several fsync chunks) writes every file whole, leaves no temp file, and answers the same when repeated; a taken name fails alone', async () => {
    writeFileSync(join(folder, 'taken.vcf'), card('someone-else', 'Someone else'));
    const ops = Array.from({ length: 150 }, (_, i) => ({ op: 'create' as const, key: `pair-1:left:${i}`, fields: { name: `Person ${i}` } }));
    const clash = { op: 'create' as const, key: 'pair-1:left:clash', fields: { id: 'taken', name: 'Wants the name' } };
    const batch = [...ops.slice(0, 70), clash, ...ops.slice(70)];
    const first = await connector.write('contacts', batch);
    expect(first.map((r) => r.ok)).toEqual(batch.map((op) => op !== clash));
    expect(first[70]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringMatching(/taken\.vcf already exists and holds another contact/) });
    const names = readdirSync(folder);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).toHaveLength(151);
    const scan = await collect(connector, 'contacts', null, 'hash');
    const byId = new Map(scan.upserts.map((r) => [r.id, r]));
    first.forEach((r, i) => {
      if (r.ok) expect(byId.get(r.id)).toMatchObject({ version: r.version, fields: { name: batch[i]?.fields.name } });
    });
    // The batch again (a rerun after a crash): each create finds its file, nothing is written twice.
    expect(await connector.write('contacts', batch)).toEqual(first);
    expect(readdirSync(folder)).toHaveLength(151);
  });

  it('a batch of updates is written together; a file another program saves while the batch is written keeps that save, and its update answers stale', async () => {
    for (let i = 0; i < 100; i++) writeFileSync(join(folder, `c${i}.vcf`), card(`c${i}`, `Person ${i}`, ['X-APP;X-P=1:kept']));
    const read = await collect(connector, 'contacts', null, 'hash');
    const version = new Map(read.upserts.map((r) => [r.id, r.version]));
    const ops = Array.from({ length: 100 }, (_, i) => ({ op: 'update' as const, id: `c${i}`, fields: { title: `Title ${i}` }, ifVersion: version.get(`c${i}`) ?? '' }));
    // The write reads and checks every file before it writes any: the save lands after that check.
    const writing = connector.write('contacts', ops);
    const theirs = card('c7', 'Saved by another app');
    writeFileSync(join(folder, 'c7.vcf'), theirs);
    const results = await writing;
    expect(results.map((r) => r.ok)).toEqual(ops.map((op) => op.id !== 'c7'));
    expect(results[7]).toMatchObject({ ok: false, reason: 'stale' });
    expect(readFileSync(join(folder, 'c7.vcf'), 'utf8')).toBe(theirs);
    expect(readdirSync(folder).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const after = new Map((await collect(connector, 'contacts', null, 'hash')).upserts.map((r) => [r.id, r]));
    results.forEach((r, i) => {
      if (r.ok) expect(after.get(`c${i}`)).toMatchObject({ version: r.version, fields: { title: `Title ${i}` } });
    });
    expect(readFileSync(join(folder, 'c3.vcf'), 'utf8')).toContain('\r\nX-APP;X-P=1:kept\r\n');
  });

  it('an update that changes nothing leaves the file and its version alone', async () => {
    const text = card('a', 'Ann', ['item1.EMAIL;type=INTERNET:a@example.com']);
    writeFileSync(join(folder, 'a.vcf'), text);
    const [rec] = await connector.read('contacts', ['a']);
    const [res] = await connector.write('contacts', [{ op: 'update', id: 'a', fields: { name: ' Ann ', email: 'a@example.com' }, ifVersion: rec?.version ?? '' }]);
    expect(res).toEqual({ ok: true, id: 'a', version: rec?.version });
    expect(readFileSync(join(folder, 'a.vcf'), 'utf8')).toBe(text);
  });

  it('listen: signals a change another program makes, not Concord’s own write', async () => {
    writeFileSync(join(folder, 'a.vcf'), card('a', 'Ann'));
    const controller = new AbortController();
    const events: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    let signalled!: () => void;
    let next = new Promise<void>((r) => (signalled = r));
    const done = connector.listen?.(
      (e) => {
        events.push(`${e.collection}:${e.seq}`);
        signalled();
      },
      controller.signal,
      { onState: (s) => s === 'listening' && listening() },
    );
    await ready;
    // Concord's own write, then another program's: only the second is signalled (one signal per burst).
    await connector.write('contacts', [{ op: 'update', id: 'a', fields: { name: 'By Concord' } }]);
    writeFileSync(join(folder, 'b.vcf'), card('b', 'By another app'));
    await next;
    expect(events).toEqual(['contacts:1']);
    next = new Promise<void>((r) => (signalled = r));
    rmSync(join(folder, 'a.vcf'));
    await next;
    expect(events).toEqual(['contacts:1', 'contacts:2']);
    controller.abort();
    await done;
  });
});
