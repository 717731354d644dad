/**
 * The connector kit's part of the conformance suite (issue 10): idempotent creates, clearFlags,
 * token mode, aborting mid-read and mid-write, wrong credentials, and — for connectors that talk to
 * a server — network loss and a server that comes back. Every case exists for every connector; a
 * case that does not apply is skipped by the connector's declared capabilities (or, for wrong
 * credentials, by whether it takes a secret), never by catching an error.
 *
 * A server connector's subject supplies `server: { stop, start }` (e.g. `pg_ctl stop -m fast` and
 * `pg_ctl start -w` on its throwaway cluster) and `reopen()` (a fresh connector on the same
 * config); the network cases stop the server under a connector mid-read and mid-write, start it
 * again, and check that a fresh connector — what the engine's pool opens after 'unavailable' —
 * reads what was there.
 */
import { expect, it } from 'vitest';
import { takesSecret } from './registry';
import { ConnectorError } from './errors';
import type { ConformanceState, ConformanceSubject, SeedRow } from './conformance';
import { collect } from './conformance';
import type { ChangeDetection } from '../api/model';
import type { AppRecord, Connector } from './types';

const rows = (n: number, prefix = 'r'): SeedRow[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i + 1).padStart(3, '0')}`, name: `Name ${i + 1}`, email: `p${i + 1}@example.com` }));
const snapshot = (recs: AppRecord[]) => Object.fromEntries(recs.map((r) => [r.id, { version: r.version, name: r.fields.name, email: r.fields.email }]));
const isAbortLike = (e: unknown, reason: unknown) => e === reason || (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'));

export function kitCases(subject: ConformanceSubject, state: () => ConformanceState): void {
  const caps = subject.capabilities;
  const modes = caps.changeDetection;
  const s = () => state();

  it.skipIf(!caps.idempotentCreates)('idempotentCreates: a repeated create with the same key answers with the first record and makes no second one', async () => {
    const { connector, collection, idField } = s();
    const op = { op: 'create' as const, key: 'create-key-1', fields: { [idField]: 'n001', name: 'New', email: 'new@x' } };
    const [first] = await connector.write(collection, [op]);
    const [again] = await connector.write(collection, [op]);
    expect(first).toMatchObject({ ok: true });
    expect(again).toMatchObject({ ok: true, id: first?.ok ? first.id : '?' });
    const scan = await collect(connector, collection, null, 'hash');
    expect(scan.ids.filter((id) => id === (first?.ok ? first.id : '?'))).toHaveLength(1);
  });

  it('a repeated create never makes two records with the same id (it is idempotent, or the second one fails)', async () => {
    const { connector, collection, idField } = s();
    const op = { op: 'create' as const, key: 'create-key-2', fields: { [idField]: 'n002', name: 'New', email: 'new@x' } };
    await connector.write(collection, [op]);
    const [again] = await connector.write(collection, [op]);
    if (!caps.idempotentCreates) expect(again?.ok === false || (again?.ok === true && again.id === 'n002')).toBe(true);
    const scan = await collect(connector, collection, null, modes.includes('hash') ? 'hash' : (modes[0] as ChangeDetection));
    expect(scan.ids.filter((id) => id === 'n002')).toHaveLength(1);
  });

  it.skipIf(!modes.includes('flag'))('clearFlags: unknown ids and stale versions are left alone silently; an aborted call throws and clears nothing', async () => {
    const { connector, collection, app } = s();
    await app.insert(rows(3), '2024-05-01T10:00:00.000Z');
    const first = await collect(connector, collection, null, 'flag');
    const controller = new AbortController();
    controller.abort();
    await expect(connector.clearFlags?.(collection, first.upserts.map((r) => ({ id: r.id })), { signal: controller.signal })).rejects.toSatisfy((e: unknown) => isAbortLike(e, controller.signal.reason));
    expect((await collect(connector, collection, first.cursor, 'flag')).ids.sort()).toEqual(['r001', 'r002', 'r003']);
    await connector.clearFlags?.(collection, [{ id: 'missing' }, { id: 'r001', version: 'not-its-version' }, ...first.upserts.filter((r) => r.id !== 'r001').map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}) }))]);
    expect((await collect(connector, collection, first.cursor, 'flag')).ids).toEqual(['r001']);
  });

  it.skipIf(!modes.includes('token'))('token mode: a read from a token lists what changed since, with its deletes (reported), and reading from the same token again is repeatable', async () => {
    const { connector, collection, app } = s();
    await app.insert(rows(3));
    const first = await collect(connector, collection, null, 'token', 2);
    expect([...first.ids].sort()).toEqual(['r001', 'r002', 'r003']);
    await app.update('r002', { name: 'Changed' });
    await app.remove('r003');
    await app.insert([{ id: 'r004', name: 'New', email: 'n@x' }]);
    const next = await collect(connector, collection, first.cursor, 'token', 2);
    expect([...next.ids].sort()).toEqual(['r002', 'r004']);
    if (caps.deletes === 'reported') expect(next.deletes).toEqual(['r003']);
    expect(next.batches.some((b) => b.complete)).toBe(false);
    const again = await collect(connector, collection, first.cursor, 'token', 2);
    expect([...again.ids].sort()).toEqual(['r002', 'r004']);
  });

  it('aborting mid-read: after the first batch the read ends promptly with an abort error, and the app is as it was', async () => {
    const { connector, collection, app } = s();
    await app.insert(rows(7), '2024-05-01T10:00:00.000Z');
    for (const mode of modes) {
      const before = snapshot((await collect(connector, collection, null, mode, 100)).upserts);
      const controller = new AbortController();
      const seen: string[] = [];
      let error: unknown = null;
      try {
        for await (const b of connector.changes(collection, null, { mode, signal: controller.signal, batchSize: 2 })) {
          seen.push(...b.upserts.map((u) => u.id));
          controller.abort();
        }
      } catch (e) {
        error = e;
      }
      expect(isAbortLike(error, controller.signal.reason), `${mode}: ${String(error)}`).toBe(true);
      expect(seen.length, mode).toBeLessThan(7);
      // Nothing half-done: every record is still there as it was (and a flag read still lists every flagged one).
      const after = await collect(connector, collection, null, mode, 100);
      expect(snapshot(after.upserts), mode).toEqual(before);
    }
  });

  it('aborting a write: it throws before writing, or answers per op with what it did — never a silent partial', async () => {
    const { connector, collection, idField, app } = s();
    await app.insert(rows(3));
    const [r1] = await connector.read(collection, ['r001']);
    const controller = new AbortController();
    controller.abort();
    let results: Awaited<ReturnType<Connector['write']>> | null = null;
    try {
      results = await connector.write(
        collection,
        [
          { op: 'create', key: 'abort-1', fields: { [idField]: 'n001', name: 'New', email: 'n@x' } },
          { op: 'update', id: 'r001', fields: { name: 'Renamed' } },
          { op: 'delete', id: 'r002' },
        ],
        { signal: controller.signal },
      );
    } catch (e) {
      expect(isAbortLike(e, controller.signal.reason), String(e)).toBe(true);
    }
    const now = new Map((await connector.read(collection, ['n001', 'r001', 'r002'])).map((r) => [r.id, r]));
    const applied = [now.has('n001'), now.get('r001')?.fields.name === 'Renamed', !now.has('r002')];
    expect(applied).toEqual(results ? results.map((r) => r.ok) : [false, false, false]);
    if (!results) expect(now.get('r001')?.version).toBe(r1?.version);
  });

  it.skipIf(!takesSecret(subject.definition))('wrong credentials: test() fails as ConnectorError "auth" with a message that says what to fix', async () => {
    expect(subject.wrongSecret, `${subject.name} takes a secret: its subject must give wrongSecret()`).toBeTypeOf('function');
    const wrong = await subject.wrongSecret?.(s().dir);
    try {
      const error = await wrong?.test().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ reason: 'auth' });
      expect((error as Error).message).toMatch(/password|credential|token|key/i);
    } finally {
      await wrong?.close();
    }
  });

  it.skipIf(!caps.network)('network loss: the server stopped mid-read ends the read with ConnectorError "unavailable"; after it comes back a fresh connector reads everything', async () => {
    const st = s();
    const server = st.server;
    expect(server && st.reopen, `${subject.name} declares network: its subject must give server.stop/start and reopen()`).toBeTruthy();
    if (!server || !st.reopen) return;
    await st.app.insert(rows(7));
    let error: unknown = null;
    try {
      let first = true;
      for await (const _b of st.connector.changes(st.collection, null, { mode: 'hash', signal: new AbortController().signal, batchSize: 2 })) {
        if (first) await server.stop();
        first = false;
      }
    } catch (e) {
      error = e;
    } finally {
      await server.start();
    }
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ reason: 'unavailable' });
    const fresh = await st.reopen();
    try {
      expect((await collect(fresh, st.collection, null, 'hash')).ids.sort()).toEqual(rows(7).map((r) => r.id));
    } finally {
      await fresh.close();
    }
  });

  it.skipIf(!caps.network)('server down during a write: the write throws "unavailable" or answers per op; once it is back, a fresh connector sees exactly what was confirmed', async () => {
    const st = s();
    const server = st.server;
    expect(server && st.reopen, `${subject.name} declares network: its subject must give server.stop/start and reopen()`).toBeTruthy();
    if (!server || !st.reopen) return;
    await st.app.insert(rows(2));
    await server.stop();
    let results: Awaited<ReturnType<Connector['write']>> | null = null;
    try {
      results = await st.connector.write(st.collection, [{ op: 'update', id: 'r001', fields: { name: 'While down' } }]);
    } catch (e) {
      expect(e).toMatchObject({ reason: 'unavailable' });
    } finally {
      await server.start();
    }
    if (results) expect(results[0]).toMatchObject({ ok: false, reason: 'unavailable' });
    const fresh = await st.reopen();
    try {
      const [r1] = await fresh.read(st.collection, ['r001']);
      expect(r1?.fields.name).toBe('Name 1');
      // The server is back: the same write now lands.
      expect((await fresh.write(st.collection, [{ op: 'update', id: 'r001', fields: { name: 'Back' } }]))[0]).toMatchObject({ ok: true });
    } finally {
      await fresh.close();
    }
  });
}
