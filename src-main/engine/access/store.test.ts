// Issue 13 §2, "The session cookie is the master token": sessions and named tokens on a real
// SQLite database, with an injected clock for the idle and absolute limits (no real waits).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/db';
import { createAccessStore } from './store';

const HOUR = 60 * 60_000;
let dir: string;
let db: Db;
let t: number;
const now = () => t;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-access-'));
  db = openDatabase(dir);
  t = Date.parse('2026-12-01T08:00:00Z');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a named token is shown once and stored only as a digest; the database file never holds it', () => {
  const access = createAccessStore(db, { now });
  const { token, info } = access.createToken({ name: 'ci-bot' });
  expect(token.length).toBeGreaterThanOrEqual(43);
  expect(info).toMatchObject({ name: 'ci-bot', admin: false, lastUsedAt: null });
  expect(access.verifyToken(token)).toMatchObject({ name: 'ci-bot', admin: false, tokenId: info.id });
  const { sessionId } = access.createSession(access.verifyToken(token)!);
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file)).toString('latin1');
    expect(bytes, file).not.toContain(token);
    expect(bytes, file).not.toContain(sessionId);
  }
  expect(access.listTokens().map((x) => x.name)).toEqual(['ci-bot']);
  expect(() => access.createToken({ name: 'ci-bot' })).toThrow(/exists already/);
});

it('a session is not the token: it expires when idle and at its absolute limit', () => {
  const access = createAccessStore(db, { now, idleMs: 2 * HOUR, absoluteMs: 5 * HOUR });
  access.setStartToken('the-printed-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6');
  const caller = access.verifyToken('the-printed-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6');
  expect(caller).toMatchObject({ name: 'operator', admin: true });
  const { sessionId, maxAgeS } = access.createSession(caller!);
  expect(maxAgeS).toBe(5 * 3600);
  expect(sessionId).not.toContain('the-printed-token');
  expect(access.verifyToken(sessionId)).toBeNull(); // a session id is no token
  // Used every 90 minutes, it lives until its absolute limit, then ends however busy it is.
  for (let i = 0; i < 3; i++) {
    t += 90 * 60_000;
    expect(access.verifySession(sessionId)).toMatchObject({ name: 'operator' });
  }
  t += 31 * 60_000;
  expect(access.verifySession(sessionId)).toBeNull();
  // Left alone past the idle limit, a fresh one ends too.
  const idle = access.createSession(caller!).sessionId;
  t += 2 * HOUR + 1;
  expect(access.verifySession(idle)).toBeNull();
});

it('sessions can be listed and revoked; revoking a token ends its sessions; a new start token ends the old one’s', () => {
  const access = createAccessStore(db, { now });
  const { token } = access.createToken({ name: 'alice', admin: true });
  const alice = access.verifyToken(token)!;
  const a = access.createSession(alice, { address: '127.0.0.1', userAgent: 'Chromium' }).sessionId;
  const b = access.createSession(alice).sessionId;
  const listed = access.listSessions(access.verifySession(a)!.sessionId);
  expect(listed).toHaveLength(2);
  expect(listed.find((s) => s.current)).toMatchObject({ tokenName: 'alice', address: '127.0.0.1', userAgent: 'Chromium' });
  access.revokeSession(listed.find((s) => s.current)!.id);
  expect(access.verifySession(a)).toBeNull();
  expect(access.verifySession(b)).not.toBeNull();
  access.revokeToken('alice');
  expect(access.verifySession(b)).toBeNull();
  expect(access.verifyToken(token)).toBeNull();
  expect(access.listTokens()).toEqual([]);

  access.setStartToken('first-start-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1a');
  const s = access.createSession(access.verifyToken('first-start-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1a')!).sessionId;
  expect(access.verifySession(s)).not.toBeNull();
  access.setStartToken('second-start-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1a');
  expect(access.verifySession(s)).toBeNull();
  t += 8 * 24 * HOUR;
  expect(access.prune()).toBe(3);
});
