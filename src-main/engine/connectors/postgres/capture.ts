/**
 * PostgreSQL capture mode for the SQL-table base (`SqlCapture`): the plan (capture-sql.ts), its
 * install and removal in one transaction each, reads (capture-read.ts), and the LISTEN feed.
 *
 * Privileges: creating a trigger and later dropping it takes the table's owner (or a member of the
 * owning role), and the change table and function need CREATE on the table's schema. Both are
 * checked before anything runs, and a refusal names the GRANT (or the role to connect as).
 */
import type pg from 'pg';
import type { ChangeEvent, ListenOptions } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import type { SqlCapture, SqlDialect, SqlTable } from '../sql-table/dialect';
import { captureChanges } from './capture-read';
import { CAPTURE_CHANNEL, CAPTURE_TRIGGER, captureNames, installSql, removeSql } from './capture-sql';
import { quoteIdent } from './discover';

const DEFAULT_RETRY_MS = 1000;

/** The dialect without its capture (capture is built on it). */
type Base = Omit<SqlDialect, 'capture'>;

export function createPgCapture(d: Base, newClient: () => Promise<pg.Client>): SqlCapture {
  const q = (signal?: AbortSignal) => async (sql: string, args: unknown[]) => (await d.query(sql, args, signal)).rows;

  /** What the connecting role lacks to install or remove capture on `t`, as the GRANTs that would fix it. */
  async function missingPrivileges(t: SqlTable, signal?: AbortSignal): Promise<string | null> {
    const [r] = await q(signal)(
      `SELECT pg_has_role(c.relowner, 'USAGE') AS is_owner, pg_get_userbyid(c.relowner)::text AS owner,
        has_schema_privilege(c.relnamespace, 'CREATE') AS can_create, n.nspname::text AS schema, current_user::text AS me
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`,
      [t.ref],
    );
    if (!r) return `table "${t.name}" was not found`;
    const me = quoteIdent(String(r.me));
    const needs: string[] = [];
    if (r.is_owner !== true) {
      needs.push(`the table's owner, role ${quoteIdent(String(r.owner))}: connect as that role, or have it (or a superuser) run GRANT ${quoteIdent(String(r.owner))} TO ${me};`);
    }
    if (r.can_create !== true) needs.push(`CREATE on schema ${quoteIdent(String(r.schema))}: have its owner run GRANT CREATE ON SCHEMA ${quoteIdent(String(r.schema))} TO ${me};`);
    return needs.length > 0 ? `Concord connects as ${me}, which needs ${needs.join(' and ')}` : null;
  }

  /** Runs a plan's SQL in one transaction: all of it or nothing. */
  async function runScript(t: SqlTable, what: 'install' | 'remove', sql: string, signal?: AbortSignal): Promise<void> {
    const missing = await missingPrivileges(t, signal);
    if (missing) throw new ConnectorError('config', `Capture cannot be ${what === 'install' ? 'installed on' : 'removed from'} "${t.name}": ${missing}`);
    const s = await d.lease(signal);
    let discard = false;
    try {
      await s.query('BEGIN');
      await s.query(sql);
      await s.query('COMMIT');
    } catch (error) {
      discard = true;
      await s.query('ROLLBACK').catch(() => {});
      const code = String((error as { code?: unknown } | null)?.code ?? '');
      if (code === '42501') throw new ConnectorError('config', `Capture cannot be ${what === 'install' ? 'installed on' : 'removed from'} "${t.name}": ${errorMessage(error)} — ask the table's owner to GRANT the privilege, or connect as the owner. Nothing was changed.`, { cause: error });
      if (code === '42P07' || code === '42723' || code === '42710') {
        throw new ConnectorError('config', `Capture cannot be installed on "${t.name}": ${errorMessage(error)} — an object of that name exists already; remove capture first (that drops only Concord's objects), then install again. Nothing was changed.`, { cause: error });
      }
      throw error;
    } finally {
      s.release(discard);
    }
  }

  return {
    async plan(t, signal) {
      const n = captureNames(t);
      const [r] = await q(signal)(
        `SELECT to_regclass($1) IS NOT NULL AS has_table, to_regprocedure($2) IS NOT NULL AS has_fn,
          EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $3::regclass AND tgname = $4 AND NOT tgisinternal) AS has_trigger`,
        [n.changes, `${n.fn}()`, t.ref, CAPTURE_TRIGGER],
      );
      // Any of the three present counts as installed, so a half-finished state can be removed.
      const installed = r?.has_table === true || r?.has_fn === true || r?.has_trigger === true;
      return { installed, installSql: installSql(t), removeSql: removeSql(t) };
    },
    install: (t, sql, signal) => runScript(t, 'install', sql, signal),
    remove: (t, sql, signal) => runScript(t, 'remove', sql, signal),
    changes: (t, cursor, options) => captureChanges(d, t, q(options.signal), cursor, options),
    listen: (onChange, signal, options) => listen(newClient, onChange, signal, options),
  };
}

/**
 * Holds one connection of its own, LISTENs on the capture channel and calls `onChange` per
 * notification; after the connection is lost it reconnects every `retryMs` until the server is
 * back. Notifications sent while it was away are gone: `onState('listening')` after a reconnect
 * tells the caller to read once (the change table still holds every change).
 */
async function listen(newClient: () => Promise<pg.Client>, onChange: (event: ChangeEvent) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  while (!signal.aborted) {
    const client = await newClient();
    let stop = (): void => {};
    try {
      await new Promise<void>((resolve, reject) => {
        stop = () => resolve();
        signal.addEventListener('abort', stop, { once: true });
        client.on('error', (e) => reject(e));
        client.on('end', () => reject(new Error('The connection ended.')));
        client.on('notification', (m) => {
          if (m.channel !== CAPTURE_CHANNEL || !m.payload) return;
          try {
            const p = JSON.parse(m.payload) as { table?: unknown; seq?: unknown };
            if (typeof p.table === 'string' && typeof p.seq === 'string') onChange({ collection: p.table, seq: p.seq });
          } catch {
            // Not Concord's payload: someone else notifies on the channel.
          }
        });
        client
          .connect()
          .then(() => client.query(`LISTEN ${CAPTURE_CHANNEL}`))
          .then(() => {
            if (!signal.aborted) options.onState?.('listening');
          })
          .catch(reject);
      });
    } catch (error) {
      if (!signal.aborted) options.onState?.('reconnecting', errorMessage(error));
    } finally {
      signal.removeEventListener('abort', stop);
      await client.end().catch(() => {});
    }
    if (signal.aborted) return;
    // The wait's abort listener goes with the wait: an outage of many retries must not pile them up on `signal`.
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, retryMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
