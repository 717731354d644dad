/**
 * MySQL / MariaDB capture mode for the SQL-table base (`SqlCapture`): the plan (capture-sql.ts),
 * installing and removing it, reads (capture-read.ts), and a polled change feed (there is no
 * NOTIFY in MySQL).
 *
 * Not one transaction: MySQL commits every CREATE and DROP on its own (an implicit commit), so an
 * install that fails midway leaves what it made so far. It is made safe instead: the change table
 * comes first (a trigger never writes into nothing), the plan counts capture as installed when any
 * of its objects exists (so the pair's settings offer Remove), the removal drops exactly the
 * objects of Concord's that exist, and a failure says which objects exist now and that Remove
 * drops them. What can make it fail is checked before anything runs: the privileges.
 *
 * Privileges: TRIGGER on the table; CREATE in the database for the change table, and SELECT,
 * INSERT, DELETE and DROP on it (the triggers insert as the installing user; reads select and
 * prune; Remove drops it). A refusal names the GRANT. With binary logging on, MySQL also refuses
 * a trigger from a user without SUPER unless `log_bin_trust_function_creators` is set
 * (`binlogRefusal`): checked first too, and the refusal says what to set. (The test servers run
 * without a binary log.)
 */
import type { ChangeEvent, ListenOptions } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import type { SqlCapture, SqlDialect, SqlRow, SqlTable } from '../sql-table/dialect';
import { captureChanges, captureState } from './capture-read';
import { CHANGES_PREFIX, COMMENT_HEAD, captureNames, captureNamesOf, installStatements, installText, removeStatements, removeText } from './capture-sql';
import { privileges, quoteIdent } from './discover';

const DEFAULT_POLL_MS = 1000;
const DEFAULT_RETRY_MS = 1000;

/** The dialect without its capture (capture is built on it). */
type Base = Omit<SqlDialect, 'capture'>;

const errnoOf = (error: unknown): number => Number((error as { errno?: unknown } | null)?.errno ?? 0);

const BINLOG_FIX =
  "have an administrator SET GLOBAL log_bin_trust_function_creators = 1 (and set it in the server's configuration, [mysqld] log_bin_trust_function_creators = 1), or grant the user SUPER (MariaDB 10.5+: BINLOG ADMIN)";

/**
 * With binary logging on, MySQL and MariaDB let only a user with SUPER (MariaDB 10.5+: or BINLOG
 * ADMIN) create a trigger, unless `log_bin_trust_function_creators` is set (error 1419). Checked
 * before the install, which would otherwise stop after creating the change table.
 */
export function binlogRefusal(s: { logBin: boolean; trust: boolean; global: Set<string>; grantee: string }): string | null {
  if (!s.logBin || s.trust || s.global.has('SUPER') || s.global.has('BINLOG ADMIN')) return null;
  return `binary logging is on (log_bin), and then the server lets only a user with SUPER create triggers; ${s.grantee} has no SUPER — ${BINLOG_FIX}`;
}

export function createMyCapture(d: Base, database: string): SqlCapture {
  const q = (signal?: AbortSignal) => async (sql: string, args: unknown[]): Promise<SqlRow[]> => (await d.query(sql, args, signal)).rows;

  /** What the connecting user lacks to install (or remove) capture on `t`, as the GRANTs that would fix it. */
  async function missingPrivileges(t: SqlTable, what: 'install' | 'remove', signal?: AbortSignal): Promise<string | null> {
    const n = captureNames(t);
    const g = await privileges((sql, args) => d.query(sql, args, signal), n.database);
    if (!g.known) return null; // grants information_schema does not show: try, and report a refusal
    if (what === 'install') {
      const [v] = await q(signal)('SELECT @@log_bin AS logBin, @@log_bin_trust_function_creators AS trust', []);
      const binlog = binlogRefusal({ logBin: Number(v?.logBin) === 1, trust: Number(v?.trust) === 1, global: g.global, grantee: g.grantee });
      if (binlog) return binlog;
    }
    const has = (p: string, table: string) => g.global.has(p) || g.schema.has(p) || (g.table.get(table)?.has(p) ?? false);
    const onTable = has('TRIGGER', n.table) ? [] : ['TRIGGER'];
    const inDatabase = [...(what === 'install' ? ['CREATE'] : []), 'DROP', ...(what === 'install' ? ['SELECT', 'INSERT', 'DELETE'] : [])].filter((p) => !(p === 'CREATE' ? g.global.has(p) || g.schema.has(p) : has(p, n.changesName)));
    if (onTable.length === 0 && inDatabase.length === 0) return null;
    const grants = [
      ...(onTable.length > 0 ? [`GRANT TRIGGER ON ${t.ref} TO ${g.grantee};`] : []),
      ...(inDatabase.length > 0 ? [`GRANT ${inDatabase.join(', ')} ON ${quoteIdent(n.database)}.* TO ${g.grantee};`] : []),
    ];
    const needs = [...(onTable.length > 0 ? ['TRIGGER on the table'] : []), ...(inDatabase.length > 0 ? [`${inDatabase.join(', ')} in database ${quoteIdent(n.database)} (for the change table ${n.changes})`] : [])];
    return `Concord connects as ${g.grantee}, which needs ${needs.join(' and ')} — have an administrator run ${grants.join(' ')}`;
  }

  /** The objects of capture on `t` that exist now, in words. */
  async function existing(t: SqlTable, signal?: AbortSignal): Promise<string[]> {
    const n = captureNames(t);
    const s = await captureState(q(signal), t);
    return [...(s.table ? [`the change table ${n.changes}`] : []), ...s.triggers.map((op) => `the trigger ${quoteIdent(n.triggers[op])}`)];
  }

  /** Why a statement was refused, in words a user can act on; null when it is not a refusal we know. */
  function refusal(t: SqlTable, error: unknown): string | null {
    const errno = errnoOf(error);
    const n = captureNames(t);
    if (errno === 1419) return `${errorMessage(error)} — ${BINLOG_FIX}`;
    if (errno === 1142 || errno === 1044 || errno === 1227 || errno === 1143) return `${errorMessage(error)} — have an administrator GRANT the privilege (TRIGGER on ${t.ref}; CREATE, DROP, SELECT, INSERT, DELETE on ${quoteIdent(n.database)}.*), or connect as a user who has it`;
    if (errno === 1359 || errno === 1050) return `${errorMessage(error)} — an object of that name exists already and is not Concord's; rename it, or capture cannot be installed on this table`;
    return null;
  }

  /** Runs a plan's statements one by one (each commits on its own: see the file's comment). */
  async function run(t: SqlTable, what: 'install' | 'remove', statements: string[], signal?: AbortSignal): Promise<void> {
    const verb = what === 'install' ? 'installed on' : 'removed from';
    const missing = await missingPrivileges(t, what, signal);
    if (missing) throw new ConnectorError('config', `Capture cannot be ${verb} "${t.name}": ${missing}. Nothing was changed.`);
    for (const [i, statement] of statements.entries()) {
      try {
        await d.query(statement, [], signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const why = refusal(t, error);
        if (i === 0 && why) throw new ConnectorError('config', `Capture cannot be ${verb} "${t.name}": ${why}. Nothing was changed.`, { cause: error });
        if (i === 0) throw error;
        // MySQL has committed the statements before this one: say what exists, and how to clean it up.
        const left = await existing(t, signal).catch(() => null);
        const state = left === null ? 'Some of its objects may exist now' : left.length > 0 ? `These exist now: ${left.join(', ')}` : 'None of its objects exists now';
        throw new ConnectorError(
          'config',
          `Capture was only partly ${what === 'install' ? 'installed on' : 'removed from'} "${t.name}": ${why ?? errorMessage(error)}. MySQL commits each CREATE and DROP on its own, so what ran before stays. ${state} — Remove capture in the pair's settings drops exactly Concord's objects; then install again if you want capture.`,
          { cause: error },
        );
      }
    }
  }

  async function planOf(t: SqlTable, signal?: AbortSignal) {
    const s = await captureState(q(signal), t);
    // Any object present counts as installed, so a half-finished install can be removed.
    const installed = s.table || s.triggers.length > 0;
    const remove = removeStatements(t, installed ? { table: s.table, triggers: s.triggers } : undefined);
    return { installed, install: installStatements(t), remove };
  }

  /** The statements behind `sql`, which must be the text shown for them (the base checked its hash against the plan). */
  const exactly = (sql: string, shown: string, statements: string[]): string[] => {
    if (sql !== shown) throw new ConnectorError('invalid', 'The capture SQL to run is not the SQL of the plan — nothing ran; review the SQL and confirm again.');
    return statements;
  };

  return {
    async plan(t, signal) {
      const p = await planOf(t, signal);
      return { installed: p.installed, installSql: installText(p.install), removeSql: removeText(p.remove) };
    },
    async install(t, sql, signal) {
      const p = await planOf(t, signal);
      await run(t, 'install', exactly(sql, installText(p.install), p.install), signal);
    },
    async remove(t, sql, signal) {
      const p = await planOf(t, signal);
      await run(t, 'remove', exactly(sql, removeText(p.remove), p.remove), signal);
    },
    changes: (t, cursor, options) => captureChanges(d, t, q(options.signal), cursor, options),
    listen: (onChange, signal, options) => listen(q(signal), database, onChange, signal, options),
  };
}

/** The newest sequence number and the row count of each captured table's change table in `database`. */
async function marks(q: (sql: string, args: unknown[]) => Promise<SqlRow[]>, database: string): Promise<Map<string, { max: bigint; count: number }>> {
  const tables = await q(`SELECT TABLE_NAME AS name, TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'`, [database]);
  const changeTables = new Set(tables.filter((r) => String(r.name).startsWith(CHANGES_PREFIX) && String(r.c).startsWith(COMMENT_HEAD)).map((r) => String(r.name)));
  const captured = tables.map((r) => String(r.name)).filter((name) => !changeTables.has(name) && changeTables.has(captureNamesOf(database, name).changesName));
  const out = new Map<string, { max: bigint; count: number }>();
  if (captured.length === 0) return out;
  const sql = captured.map((name) => `SELECT ? AS tbl, CAST(COALESCE(MAX(seq), 0) AS CHAR) AS m, COUNT(*) AS n FROM ${captureNamesOf(database, name).changes}`).join(' UNION ALL ');
  for (const r of await q(sql, captured)) out.set(String(r.tbl), { max: BigInt(String(r.m)), count: Number(r.n) });
  return out;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The change feed: every `pollMs` it reads each captured table's newest sequence number and row
 * count, and calls `onChange` for a table whose number or count grew since the last poll (a count
 * that grows under the same number is a change that committed late). A hint to read soon, never
 * the data: a read still decides what changed. A failed poll reports `onState('reconnecting')`
 * and retries every `retryMs`; the first poll that works again reports `onState('listening')`,
 * which tells the caller to read once, and signals what changed meanwhile (the numbers grew).
 * (A late commit in the same poll interval as a prune that removes as many rows goes unsignalled:
 * the next change or scheduled run reads it.)
 */
async function listen(q: (sql: string, args: unknown[]) => Promise<SqlRow[]>, database: string, onChange: (event: ChangeEvent) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  let last: Map<string, { max: bigint; count: number }> | null = null;
  let state: 'listening' | 'reconnecting' | null = null;
  while (!signal.aborted) {
    let now: Map<string, { max: bigint; count: number }>;
    try {
      now = await marks(q, database);
    } catch (error) {
      if (signal.aborted) return;
      if (state !== 'reconnecting') options.onState?.('reconnecting', errorMessage(error));
      state = 'reconnecting';
      await sleep(retryMs, signal);
      continue;
    }
    if (signal.aborted) return;
    if (state !== 'listening') options.onState?.('listening');
    state = 'listening';
    for (const [collection, m] of now) {
      const before = last?.get(collection);
      // A table captured since the last poll signals what it already holds.
      if (last && (!before ? m.count > 0 : m.max > before.max || m.count > before.count)) onChange({ collection, seq: String(m.max) });
    }
    last = now;
    await sleep(pollMs, signal);
  }
}
