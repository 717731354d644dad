/**
 * Who may use a headless server: named access tokens, and the browser sessions traded for them.
 *
 * Invariants:
 * - A browser never holds a token: the `?token=` visit trades it for a session id (random, 256
 *   bits) that expires after `idleMs` without use and `absoluteMs` after it was made, and can be
 *   listed and revoked. Revoking a token ends its sessions.
 * - Only SHA-256 digests of tokens and session ids are stored; a token is shown once, when made.
 * - Every check reads the database, so a token made or revoked by `concord token …` beside a
 *   running server counts at its next request.
 * - The token `serve` printed (or was given in CONCORD_TOKEN / --token-file) is not stored: it is
 *   this process's admin token (`setStartToken`); its sessions end when the server starts with
 *   another one.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AccessTokenInfo, SessionInfo } from '../api/model';
import { ApiError } from '../api/errors';
import type { Caller } from '../api/request-context';
import type { Db } from '../store/db';

export const DEFAULT_IDLE_MS = 12 * 60 * 60_000;
export const DEFAULT_ABSOLUTE_MS = 7 * 24 * 60 * 60_000;
/** last_seen_at is written at most this often per session (a page load makes dozens of calls). */
const TOUCH_EVERY_MS = 60_000;
const START_NAME = 'operator';

export type AccessOptions = { now?: () => number; idleMs?: number; absoluteMs?: number };

type TokenRow = { id: string; name: string; digest: string; admin: number; created_at: string; last_used_at: string | null; revoked_at: string | null };
type SessionRow = {
  id: string;
  digest: string;
  token_id: string;
  token_name: string;
  admin: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  address: string | null;
  user_agent: string | null;
};

const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
/** A new secret: 256 random bits, 43 characters of base64url. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export type AccessStore = ReturnType<typeof createAccessStore>;

export function createAccessStore(db: Db, options: AccessOptions = {}) {
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const absoluteMs = options.absoluteMs ?? DEFAULT_ABSOLUTE_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  let start: { id: string; digest: Buffer; name: string } | null = null;

  const tokenInfo = (r: TokenRow): AccessTokenInfo => ({ id: r.id, name: r.name, admin: r.admin === 1, createdAt: r.created_at, lastUsedAt: r.last_used_at });
  const sessionAlive = (r: SessionRow, t: number) => r.revoked_at === null && Date.parse(r.expires_at) > t && Date.parse(r.last_seen_at) + idleMs > t;
  const tokenAlive = (tokenId: string): boolean =>
    tokenId.startsWith('start:') ? start?.id === tokenId : db.prepare('SELECT 1 FROM access_tokens WHERE id = ? AND revoked_at IS NULL').get(tokenId) !== undefined;

  const store = {
    /** The token this server printed at start: an admin token that is never stored. */
    setStartToken(token: string, name = START_NAME): void {
      const d = createHash('sha256').update(token).digest();
      start = { id: `start:${d.toString('hex').slice(0, 16)}`, digest: d, name };
    },

    /** Makes a named token; the token itself is in the answer only, never stored. */
    createToken({ name, admin = false }: { name: string; admin?: boolean }): { token: string; info: AccessTokenInfo } {
      const trimmed = name.trim();
      if (!trimmed) throw new ApiError('invalid-input', 'Give the token a name (it is how the activity log says who acted).');
      if (trimmed === START_NAME) throw new ApiError('invalid-input', `"${START_NAME}" is the name of the token the server prints at start; choose another name.`);
      if (db.prepare('SELECT 1 FROM access_tokens WHERE name = ? AND revoked_at IS NULL').get(trimmed)) {
        throw new ApiError('conflict', `A token named "${trimmed}" exists already; revoke it first or choose another name.`);
      }
      const token = newSecret();
      const row: TokenRow = { id: randomUUID(), name: trimmed, digest: digest(token), admin: admin ? 1 : 0, created_at: iso(now()), last_used_at: null, revoked_at: null };
      db.prepare('INSERT INTO access_tokens (id, name, digest, admin, created_at) VALUES (@id, @name, @digest, @admin, @created_at)').run(row);
      return { token, info: tokenInfo(row) };
    },

    listTokens(): AccessTokenInfo[] {
      return (db.prepare('SELECT * FROM access_tokens WHERE revoked_at IS NULL ORDER BY name COLLATE NOCASE').all() as TokenRow[]).map(tokenInfo);
    },

    /** Revokes a token (by id or name) and every session made from it. */
    revokeToken(idOrName: string): AccessTokenInfo {
      const row = db.prepare('SELECT * FROM access_tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL').get(idOrName, idOrName) as TokenRow | undefined;
      if (!row) throw new ApiError('not-found', `No token "${idOrName}" (it may be revoked already). \`concord token list\` shows the tokens.`);
      const t = iso(now());
      db.transaction(() => {
        db.prepare('UPDATE access_tokens SET revoked_at = ? WHERE id = ?').run(t, row.id);
        db.prepare('UPDATE access_sessions SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(t, row.id);
      })();
      return tokenInfo(row);
    },

    /** The caller a token stands for, or null when it is not a live token. */
    verifyToken(token: string | null): Caller | null {
      if (!token) return null;
      const d = createHash('sha256').update(token).digest();
      if (start && timingSafeEqual(d, start.digest)) return { name: start.name, admin: true, tokenId: start.id };
      // A lookup by digest: a guess learns nothing from timing that it could use on the token.
      const row = db.prepare('SELECT * FROM access_tokens WHERE digest = ? AND revoked_at IS NULL').get(d.toString('hex')) as TokenRow | undefined;
      if (!row) return null;
      const t = now();
      if (!row.last_used_at || Date.parse(row.last_used_at) + TOUCH_EVERY_MS < t) db.prepare('UPDATE access_tokens SET last_used_at = ? WHERE id = ?').run(iso(t), row.id);
      return { name: row.name, admin: row.admin === 1, tokenId: row.id };
    },

    /** A new session for a verified caller; the session id is in the answer only. */
    createSession(caller: Caller, meta: { address?: string | undefined; userAgent?: string | undefined } = {}): { sessionId: string; maxAgeS: number } {
      const sessionId = newSecret();
      const t = now();
      db.prepare(
        `INSERT INTO access_sessions (id, digest, token_id, token_name, admin, created_at, last_seen_at, expires_at, address, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(randomUUID(), digest(sessionId), caller.tokenId, caller.name, caller.admin ? 1 : 0, iso(t), iso(t), iso(t + absoluteMs), meta.address ?? null, meta.userAgent?.slice(0, 300) ?? null);
      return { sessionId, maxAgeS: Math.floor(absoluteMs / 1000) };
    },

    /** The caller a session id stands for, or null when it is unknown, expired, revoked, or its token is gone. */
    verifySession(sessionId: string | null): Caller | null {
      if (!sessionId) return null;
      const row = db.prepare('SELECT * FROM access_sessions WHERE digest = ?').get(digest(sessionId)) as SessionRow | undefined;
      const t = now();
      if (!row || !sessionAlive(row, t) || !tokenAlive(row.token_id)) return null;
      if (Date.parse(row.last_seen_at) + TOUCH_EVERY_MS < t) db.prepare('UPDATE access_sessions SET last_seen_at = ? WHERE id = ?').run(iso(t), row.id);
      return { name: row.token_name, admin: row.admin === 1, tokenId: row.token_id, sessionId: row.id };
    },

    /** Live sessions, newest first; `currentSessionId` marks the caller's own. */
    listSessions(currentSessionId?: string): SessionInfo[] {
      const t = now();
      const rows = db.prepare('SELECT * FROM access_sessions WHERE revoked_at IS NULL ORDER BY created_at DESC').all() as SessionRow[];
      return rows
        .filter((r) => sessionAlive(r, t) && tokenAlive(r.token_id))
        .map((r) => ({
          id: r.id,
          tokenName: r.token_name,
          admin: r.admin === 1,
          createdAt: r.created_at,
          lastSeenAt: r.last_seen_at,
          expiresAt: iso(Math.min(Date.parse(r.expires_at), Date.parse(r.last_seen_at) + idleMs)),
          address: r.address,
          userAgent: r.user_agent,
          current: r.id === currentSessionId,
        }));
    },

    revokeSession(id: string): void {
      const changed = db.prepare('UPDATE access_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(iso(now()), id).changes;
      if (changed === 0) throw new ApiError('not-found', `No live session "${id}" (it may have ended already).`);
    },

    /** Forgets sessions that ended more than a day ago, so the table does not grow forever. */
    prune(): number {
      const cutoff = now() - 24 * 60 * 60_000;
      const rows = db.prepare('SELECT id, expires_at, last_seen_at, revoked_at FROM access_sessions').all() as Pick<SessionRow, 'id' | 'expires_at' | 'last_seen_at' | 'revoked_at'>[];
      const gone = rows.filter((r) => Math.min(Date.parse(r.expires_at), Date.parse(r.last_seen_at) + idleMs, r.revoked_at ? Date.parse(r.revoked_at) : Infinity) < cutoff);
      const del = db.prepare('DELETE FROM access_sessions WHERE id = ?');
      db.transaction(() => gone.forEach((r) => del.run(r.id)))();
      return gone.length;
    },
  };
  return store;
}
